#pragma once
// A table as read from a CSV file: named, typed columns. Text columns are
// dictionary-encoded (a level per distinct value), which makes key lookups
// and one-hot encoding cheap. Only an empty field is missing; "NA" is text.

#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "amalur/core/config.hpp"
#include "amalur/core/error.hpp"

namespace amalur::io {

enum class column_kind { integer, real, text };

inline const char* name_of(column_kind k) {
  switch (k) {
    case column_kind::integer: return "integer";
    case column_kind::real: return "real";
    case column_kind::text: return "text";
  }
  return "?";
}

struct column {
  std::string name;
  column_kind kind = column_kind::text;
  std::vector<double> values;       // integer and real columns
  /// Integer columns whose values are not all exact as doubles (beyond 2^53):
  /// the values as read, for exact keys. Empty otherwise: `values` holds them
  /// exactly, and a column of millions of rows is not kept twice. Read
  /// either way through integer_at().
  std::vector<std::int64_t> integers;
  std::vector<std::int32_t> codes;  // text columns: index into levels, -1 when missing
  std::vector<std::string> levels;  // text columns: distinct values, first seen first
  std::vector<char> missing;        // every kind: 1 where the field was empty

  index_t size() const { return static_cast<index_t>(missing.size()); }
  bool is_missing(index_t row) const { return missing[static_cast<std::size_t>(row)] != 0; }
  /// Row `row` of an integer column, exactly.
  std::int64_t integer_at(index_t row) const {
    return integers.empty() ? static_cast<std::int64_t>(values[static_cast<std::size_t>(row)])
                            : integers[static_cast<std::size_t>(row)];
  }
  /// Whether an integer is exact as a double (|v| <= 2^53).
  static constexpr bool exact_as_double(std::int64_t v) {
    constexpr std::int64_t exact = std::int64_t(1) << 53;
    return v <= exact && v >= -exact;
  }
  /// Drops `integers` where every value is exact as a double.
  void drop_exact_integers() {
    for (const std::int64_t v : integers)
      if (!exact_as_double(v)) return;
    std::vector<std::int64_t>().swap(integers);
  }
  /// The field as text (numbers as they would print), for keys and level names.
  std::string text_at(index_t row) const {
    if (is_missing(row)) return {};
    if (kind == column_kind::text) return levels[static_cast<std::size_t>(codes[static_cast<std::size_t>(row)])];
    const double v = values[static_cast<std::size_t>(row)];
    if (kind == column_kind::integer)
      return std::to_string(static_cast<long long>(integer_at(row)));
    char shortest[32];  // round-trip precision, so "1.5" stays "1.5" in keys and level names
    std::snprintf(shortest, sizeof shortest, "%.17g", v);
    return shortest;
  }
};

struct table {
  std::string name;
  std::vector<column> columns;
  index_t rows = 0;
  std::string source;               // the file it was read from ("" when from text)
  /// 1-based line where each row starts, stored only where rows do not take
  /// one line each (blank lines, newlines in quotes): otherwise row r starts
  /// at first_line + r, and a file of millions of rows keeps no per-row index.
  std::vector<std::int64_t> lines;
  std::int64_t first_line = 0;      // with `lines` empty: row 0's line (0: unknown)
  std::string line_label = "line";  // what the lines count: "line" in a file, "rowid" in a database table

  /// Whether row r's line (or rowid) is known.
  bool has_line(index_t row) const {
    if (row < 0) return false;
    if (!lines.empty()) return static_cast<std::size_t>(row) < lines.size();
    return first_line > 0 && row < rows;
  }
  /// The line where row r starts (a rowid, which may be 0, for a database table); 0 when unknown.
  std::int64_t line_of(index_t row) const {
    if (!has_line(row)) return 0;
    return lines.empty() ? first_line + row : lines[static_cast<std::size_t>(row)];
  }
  /// "table 'x' (file.csv) line 17" for row r, for messages.
  std::string where(index_t row) const {
    std::string out = "table '" + name + "'";
    if (!source.empty()) out += " (" + source + ")";
    if (has_line(row)) out += " " + line_label + " " + std::to_string(line_of(row));
    return out;
  }

  const column* find(const std::string& column_name) const {
    for (const auto& c : columns)
      if (c.name == column_name) return &c;
    return nullptr;
  }
  const column& at(const std::string& column_name) const {
    if (const column* c = find(column_name)) return *c;
    amalur::detail::fail<value_error>("table '", name, "' has no column '", column_name, "'");
  }
};

}  // namespace amalur::io
