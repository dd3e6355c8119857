// libFuzzer target: the CSV reader on any bytes. It must either return a
// consistent table or throw amalur::error; anything else is a bug.
#include <amalur/io/csv.hpp>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  amalur::io::table t;
  try {
    t = amalur::io::parse_csv(std::string(reinterpret_cast<const char*>(data), size), "fuzz", "fuzz.csv");
  } catch (const amalur::error&) {
    return 0;
  }
  if (!t.lines.empty() && t.lines.size() != static_cast<std::size_t>(t.rows)) std::abort();
  for (amalur::index_t r = 0; r < t.rows; ++r)  // every row has its line, after the header's and the previous row's
    if (t.line_of(r) < 2 || (r > 0 && t.line_of(r) <= t.line_of(r - 1))) std::abort();
  for (const auto& c : t.columns) {
    if (c.size() != t.rows) std::abort();
    for (amalur::index_t r = 0; r < t.rows; ++r) {
      const std::string text = c.text_at(r);  // every cell prints
      if (c.is_missing(r) != text.empty() && c.kind != amalur::io::column_kind::text) std::abort();
    }
  }
  return 0;
}
