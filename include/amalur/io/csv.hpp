#pragma once
// CSV reading (target amalur::io): RFC 4180 fields (quotes, doubled quotes,
// commas and newlines inside quotes), LF or CRLF records, a UTF-8 byte-order
// mark skipped, blank lines skipped, a header row whose names must be unique.
// Columns are typed by what every non-empty field parses as: integer (int64,
// exact, so keys never lose digits), real (finite decimal; no hex, no
// infinities, no overflow), else text. Only an empty field is missing; "NA"
// is text. Errors name the table, the file, the 1-based line and the column.
//
// Our own reader rather than libcsv (which copies every field): fields are
// spans into the one buffer, numbers are parsed once with std::from_chars,
// text columns are dictionary-encoded with views into the buffer, so memory
// grows with the file, not with the number of distinct values.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "amalur/io/files.hpp"
#include "amalur/io/table.hpp"

namespace amalur::io {

namespace detail {

/// Offset of the first byte that is not valid UTF-8, or npos.
inline std::size_t invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return i;
    if (n == 2 && c < 0xc2) return i;  // overlong
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return i;
    if (n == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0)) return i;  // overlong, surrogate
    }
    if (n == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xf0 && c1 < 0x90) || c > 0xf4 || (c == 0xf4 && c1 >= 0x90)) return i;
    }
    i += n;
  }
  return std::string_view::npos;
}

}  // namespace detail

/// A field's text as an integer (int64, the whole field), if it is one.
inline bool parse_integer(std::string_view s, std::int64_t& v) {
  if (s.empty()) return false;
  const char* first = s.data() + (s[0] == '+' && s.size() > 1 ? 1 : 0);
  const auto [p, ec] = std::from_chars(first, s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

/// A field's text as a finite decimal number (the whole field), if it is one:
/// digits, sign, point and exponent only, so hex, "inf", "nan" and "1,500"
/// are not numbers, and neither is an overflow such as 1e400.
inline bool parse_real(std::string_view s, double& v) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) return false;
  const char* first = s.data() + (s[0] == '+' && s.size() > 1 ? 1 : 0);
  const auto [p, ec] = std::from_chars(first, s.data() + s.size(), v, std::chars_format::general);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(v);
}

/// Parses CSV text (with a header row) into a table; `file` names the
/// source in messages (the table's name when empty).
inline table parse_csv(std::string text, const std::string& name = "table", const std::string& file = "") {
  const std::string where = "table '" + name + "'" + (file.empty() ? std::string() : " (" + file + ")");
  auto fail_at = [&](std::int64_t line, const auto&... parts) {
    amalur::detail::fail<value_error>(where, " line ", line, ": ", parts...);
  };
  std::size_t at = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // a UTF-8 byte-order mark
  auto check_utf8 = [&](std::string_view field, std::int64_t line, std::size_t column, const std::vector<std::string>& names) {
    const std::size_t bad = detail::invalid_utf8(field);
    if (bad == std::string_view::npos) return;
    const auto byte = static_cast<unsigned char>(field[bad]);
    fail_at(line, "column ", column < names.size() ? "'" + names[column] + "'" : std::to_string(column + 1), ": byte 0x",
            "0123456789abcdef"[byte >> 4], "0123456789abcdef"[byte & 0xf], " is not UTF-8; save the file as UTF-8");
  };

  // Pass 1: split into records of fields. Unquoted fields are views into
  // `text`; quoted ones are unescaped in place (the text only shrinks).
  std::vector<std::string> header;
  std::vector<std::vector<std::string_view>> fields;  // per column, per record
  table t;
  t.name = name;
  std::int64_t line = 1;
  std::vector<std::string_view> record;
  const std::size_t end = text.size();
  char* base = text.data();
  while (at < end) {
    const std::int64_t record_line = line;
    record.clear();
    bool blank = true;
    for (;;) {  // one field
      std::size_t begin = at, size = 0;
      if (at < end && text[at] == '"') {
        const std::int64_t opened = line;
        std::size_t write = ++at;
        begin = write;
        for (;;) {
          if (at >= end) fail_at(opened, "a quoted field opened here is never closed");
          const char c = text[at++];
          if (c == '"') {
            if (at < end && text[at] == '"') {
              base[write++] = '"';
              ++at;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          base[write++] = c;
        }
        size = write - begin;
        if (at < end && text[at] != ',' && text[at] != '\n' && text[at] != '\r')
          fail_at(line, "text after the closing quote of a field");
        blank = false;
      } else {
        while (at < end && text[at] != ',' && text[at] != '\n' && !(text[at] == '\r' && at + 1 < end && text[at + 1] == '\n') &&
               !(text[at] == '\r' && at + 1 == end))
          ++at;
        size = at - begin;
        if (size) blank = false;
      }
      record.emplace_back(base + begin, size);
      if (at < end && text[at] == ',') {
        ++at;
        blank = false;
        continue;
      }
      if (at < end && text[at] == '\r') ++at;
      if (at < end && text[at] == '\n') ++at;
      ++line;
      break;
    }
    if (blank) continue;  // an empty line
    for (std::size_t k = 0; k < record.size(); ++k) check_utf8(record[k], record_line, k, header);
    if (header.empty()) {
      std::unordered_set<std::string_view> seen;
      for (std::size_t k = 0; k < record.size(); ++k) {
        if (!seen.insert(record[k]).second)
          fail_at(record_line, "the header names column '", std::string(record[k]), "' twice");
        header.emplace_back(record[k]);
      }
      fields.resize(header.size());
      continue;
    }
    if (record.size() != header.size())
      fail_at(record_line, "a record has ", record.size(), " fields but the header has ", header.size(),
              record.size() > header.size() ? " (more fields than columns)" : "");
    for (std::size_t k = 0; k < record.size(); ++k) fields[k].push_back(record[k]);
    t.lines.push_back(record_line);
  }
  if (header.empty()) amalur::detail::fail<value_error>(where, " is empty: no header row");
  t.rows = static_cast<index_t>(t.lines.size());
  t.source = file;

  // Pass 2, per column: integer, else real, else text (dictionary-encoded).
  for (std::size_t k = 0; k < header.size(); ++k) {
    column c;
    c.name = header[k];
    const auto& f = fields[k];
    c.missing.resize(f.size());
    bool integer = true, real = true;
    for (std::size_t r = 0; r < f.size() && (integer || real); ++r) {
      if (f[r].empty()) continue;
      std::int64_t i = 0;
      double d = 0;
      if (integer && !parse_integer(f[r], i)) integer = false;
      if (!integer && !parse_real(f[r], d)) real = false;
    }
    if (integer || real) {
      c.kind = integer ? column_kind::integer : column_kind::real;
      c.values.resize(f.size());
      if (integer) c.integers.resize(f.size());
      for (std::size_t r = 0; r < f.size(); ++r) {
        c.missing[r] = f[r].empty();
        if (f[r].empty()) continue;
        if (integer) {
          parse_integer(f[r], c.integers[r]);
          c.values[r] = static_cast<double>(c.integers[r]);
        } else {
          parse_real(f[r], c.values[r]);
        }
      }
    } else {
      c.kind = column_kind::text;
      c.codes.resize(f.size());
      std::unordered_map<std::string_view, std::int32_t> dictionary;
      for (std::size_t r = 0; r < f.size(); ++r) {
        c.missing[r] = f[r].empty();
        if (f[r].empty()) {
          c.codes[r] = -1;
          continue;
        }
        const auto [it, fresh] = dictionary.try_emplace(f[r], static_cast<std::int32_t>(c.levels.size()));
        if (fresh) c.levels.emplace_back(f[r]);
        c.codes[r] = it->second;
      }
    }
    std::vector<std::string_view>().swap(fields[k]);  // this column's spans are done
    t.columns.push_back(std::move(c));
  }
  return t;
}

/// Reads a CSV file into a table named `name` (a file_error names the path
/// and the reason when it cannot be read).
inline table read_csv(const std::string& path, const std::string& name) {
  return parse_csv(read_file(path, "CSV file for table '" + name + "'"), name, path);
}

}  // namespace amalur::io
