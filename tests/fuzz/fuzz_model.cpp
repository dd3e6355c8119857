// libFuzzer target: the model-file reader on any bytes; it accepts a model
// or throws amalur::error, nothing else.
#include <amalur/integration/model_file.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto m =
        amalur::integration::parse_model(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    static_cast<void>(m);
  } catch (const amalur::error&) {
  }
  return 0;
}
