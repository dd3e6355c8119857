// libFuzzer target: the spec parser and the silo placement on any JSON text.
// Either they accept the spec or they throw amalur::error naming the problem;
// a library exception (nlohmann's type_error, std::out_of_range) is a bug.
#include <amalur/integration/spec.hpp>
#include <amalur/silos/placement.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  amalur::integration::spec_json j;
  try {
    j = amalur::integration::spec_json::parse(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const nlohmann::json::exception&) {
    return 0;  // not JSON (or a number JSON cannot hold): load_spec reports it as such
  }
  try {
    const auto s = amalur::integration::parse_spec(j, ".");
    static_cast<void>(amalur::silos::plan(s));
  } catch (const amalur::error&) {
  }
  return 0;
}
