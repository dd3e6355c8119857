// libFuzzer target: the CSV reader on any bytes. It must either return a
// consistent table or throw amalur::error; anything else is a bug.
#include <amalur/io/csv.hpp>

#include <cstdlib>
#include <cstring>
#include <string>

namespace {
bool same_column(const amalur::io::column& a, const amalur::io::column& b) {
  return a.name == b.name && a.kind == b.kind && a.missing == b.missing && a.levels == b.levels &&
         a.codes == b.codes && a.integers == b.integers && a.values.size() == b.values.size() &&
         (a.values.empty() || std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(double)) == 0);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  amalur::io::table t;
  std::string error;
  try {
    t = amalur::io::parse_csv_view(text, "fuzz", "fuzz.csv", 1);
  } catch (const amalur::error& e) {
    error = e.what();
  }
  // Read in pieces of a few bytes on two threads: the same table, or the same error.
  try {
    const amalur::io::table pieces = amalur::io::parse_csv_view(text, "fuzz", "fuzz.csv", 2, 8);
    if (!error.empty() || pieces.rows != t.rows || pieces.lines != t.lines || pieces.first_line != t.first_line ||
        pieces.columns.size() != t.columns.size())
      std::abort();
    for (std::size_t j = 0; j < t.columns.size(); ++j)
      if (!same_column(t.columns[j], pieces.columns[j])) std::abort();
  } catch (const amalur::error& e) {
    if (error != e.what()) std::abort();
  }
  if (!error.empty()) return 0;
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
