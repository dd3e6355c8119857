#pragma once
// CSV reading (target amalur::io) on libcsv, Debian's streaming C parser:
// quoted fields with commas, quotes and newlines inside, a header row,
// columns typed as integer, real or text by what every non-empty field
// parses as. Only an empty field is missing.

#include <csv.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "amalur/io/files.hpp"
#include "amalur/io/table.hpp"

namespace amalur::io {

namespace detail {
struct csv_state {
  table* out;
  std::vector<std::unordered_map<std::string, std::int32_t>> dictionaries;
  std::size_t field = 0;
  bool header = true;
  std::size_t record = 0;
  std::string error;

  void add_field(const char* data, std::size_t len) {
    if (header) {
      out->columns.emplace_back();
      out->columns.back().name.assign(data ? data : "", data ? len : 0);
      return;
    }
    if (field >= out->columns.size()) {
      if (error.empty())
        error = amalur::detail::message("record ", record + 1, " has more fields than the ", out->columns.size(),
                                        " columns of the header");
      ++field;
      return;
    }
    column& c = out->columns[field];
    if (!data || len == 0) {
      c.codes.push_back(-1);
      c.missing.push_back(1);
    } else {
      auto& dict = dictionaries[field];
      auto [it, fresh] = dict.try_emplace(std::string(data, len), static_cast<std::int32_t>(c.levels.size()));
      if (fresh) c.levels.push_back(it->first);
      c.codes.push_back(it->second);
      c.missing.push_back(0);
    }
    ++field;
  }
  void end_record() {
    if (header) {
      header = false;
      dictionaries.resize(out->columns.size());
    } else {
      if (field == 1 && out->columns.size() > 1 && out->columns[0].missing.back()) {
        // A blank line: drop it.
        out->columns[0].codes.pop_back();
        out->columns[0].missing.pop_back();
      } else {
        if (field < out->columns.size() && error.empty())
          error = amalur::detail::message("record ", record + 1, " has ", field, " fields but the header has ",
                                          out->columns.size());
        ++record;
      }
    }
    field = 0;
  }
};

inline void on_field(void* data, std::size_t len, void* state) {
  static_cast<csv_state*>(state)->add_field(static_cast<const char*>(data), len);
}
inline void on_record(int, void* state) { static_cast<csv_state*>(state)->end_record(); }

inline bool parse_integer(const std::string& s, double& v) {
  long long x = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec != std::errc() || p != s.data() + s.size()) return false;
  v = static_cast<double>(x);
  return true;
}
inline bool parse_real(const std::string& s, double& v) {
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && !s.empty() && std::isfinite(v);
}

/// Types each column by its levels: integer, else real, else text.
inline void type_columns(table& t) {
  for (column& c : t.columns) {
    std::vector<double> level_values(c.levels.size());
    auto all = [&](auto parse) {
      for (std::size_t l = 0; l < c.levels.size(); ++l)
        if (!parse(c.levels[l], level_values[l])) return false;
      return true;
    };
    if (all(parse_integer))
      c.kind = column_kind::integer;
    else if (all(parse_real))
      c.kind = column_kind::real;
    else
      continue;
    c.values.resize(c.codes.size());
    for (std::size_t i = 0; i < c.codes.size(); ++i)
      c.values[i] = c.codes[i] < 0 ? 0.0 : level_values[static_cast<std::size_t>(c.codes[i])];
    c.codes.clear();
    c.levels.clear();
  }
}
}  // namespace detail

/// Parses CSV text (with a header row) into a table.
inline table parse_csv(const std::string& text, const std::string& name = "table") {
  table t;
  t.name = name;
  detail::csv_state state{&t, {}, 0, true, 0, {}};
  csv_parser parser;
  if (csv_init(&parser, CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
    amalur::detail::fail<value_error>("CSV '", name, "': cannot initialise the parser");
  const std::size_t done = csv_parse(&parser, text.data(), text.size(), detail::on_field, detail::on_record, &state);
  const bool ok = done == text.size();
  const int err = csv_error(&parser);
  csv_fini(&parser, detail::on_field, detail::on_record, &state);
  csv_free(&parser);
  if (!ok) amalur::detail::fail<value_error>("CSV '", name, "': ", csv_strerror(err));
  if (!state.error.empty()) amalur::detail::fail<value_error>("CSV '", name, "': ", state.error);
  if (t.columns.empty()) amalur::detail::fail<value_error>("CSV '", name, "' is empty: no header row");
  t.rows = state.record;
  detail::type_columns(t);
  return t;
}

/// Reads a CSV file into a table named `name` (a file_error names the path
/// and the reason when it cannot be read).
inline table read_csv(const std::string& path, const std::string& name) {
  return parse_csv(read_file(path, "CSV file for table '" + name + "'"), name);
}

}  // namespace amalur::io
