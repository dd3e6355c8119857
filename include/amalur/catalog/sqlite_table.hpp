#pragma once
// SQLite tables as sources (target amalur::catalog): a spec table
// {"sqlite": "silo.db", "table": "airports"} or {"sqlite": "silo.db", "query": "SELECT ..."}
// is read through SQLite into the same io::table a CSV file gives, with the
// same rules: INTEGER values make an integer column (int64, exact), INTEGER
// and REAL a real one, any TEXT a text column (dictionary-encoded, numbers
// in it as their text); NULL and '' are missing. A BLOB, a non-finite REAL
// or text that is not UTF-8 is an error naming the table, the file, the rowid
// (or the query's row) and the column. The file is opened read-only.

#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "amalur/catalog/database.hpp"
#include "amalur/io/csv.hpp"
#include "amalur/io/table.hpp"

namespace amalur::catalog {

namespace detail {

/// One column as read: each row's storage class and value.
struct column_reader {
  std::string name;
  std::vector<int> types;  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT or SQLITE_NULL (also for '')
  std::vector<std::int64_t> integers;
  std::vector<double> reals;
  std::vector<std::string> texts;

  io::column finish() {
    io::column c;
    c.name = name;
    const std::size_t n = types.size();
    bool any_text = false, any_real = false;
    for (int t : types) {
      any_text = any_text || t == SQLITE_TEXT;
      any_real = any_real || t == SQLITE_FLOAT;
    }
    c.missing.resize(n);
    for (std::size_t r = 0; r < n; ++r) c.missing[r] = types[r] == SQLITE_NULL;
    if (any_text) {
      c.kind = io::column_kind::text;
      c.codes.assign(n, -1);
      std::unordered_map<std::string, std::int32_t> dictionary;  // levels numbered by first appearance, as in CSV
      for (std::size_t r = 0; r < n; ++r) {
        if (types[r] == SQLITE_NULL) continue;
        std::string text = types[r] == SQLITE_TEXT ? std::move(texts[r]) : number_text(types[r], r);
        const auto [it, fresh] = dictionary.try_emplace(text, static_cast<std::int32_t>(c.levels.size()));
        if (fresh) c.levels.push_back(std::move(text));
        c.codes[r] = it->second;
      }
    } else {
      c.kind = any_real ? io::column_kind::real : io::column_kind::integer;
      c.values.resize(n);
      if (!any_real) c.integers.resize(n);
      for (std::size_t r = 0; r < n; ++r) {
        if (types[r] == SQLITE_INTEGER) {
          c.values[r] = static_cast<double>(integers[r]);
          if (!any_real) c.integers[r] = integers[r];
        } else if (types[r] == SQLITE_FLOAT) {
          c.values[r] = reals[r];
        }
      }
      c.drop_exact_integers();
    }
    return c;
  }

 private:
  std::string number_text(int type, std::size_t r) const {
    if (type == SQLITE_INTEGER) return std::to_string(integers[r]);
    char shortest[32];  // as io::column::text_at prints a real
    std::snprintf(shortest, sizeof shortest, "%.17g", reals[r]);
    return shortest;
  }
};

/// "name" as an SQL identifier.
inline std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace detail

/// Reads table `table` (or the result of `query`, when `table` is empty) of
/// the SQLite file `path` as the spec's table `name`.
inline io::table read_sqlite_table(const std::string& path, const std::string& table, const std::string& query,
                                   const std::string& name, double busy_timeout_seconds = 30) {
  if (table.empty() == query.empty())
    amalur::detail::fail<value_error>("table '", name, "': name either a \"table\" or a \"query\" of '", path, "'");
  database db(path, {access::read, busy_timeout_seconds, false});  // a file_error when it cannot be opened
  io::table t;
  t.name = name;
  t.source = path + (table.empty() ? " query" : "#" + table);
  t.line_label = table.empty() ? "row" : "rowid";
  const auto where = [&](std::int64_t row, const std::string& column) {
    return "table '" + name + "' (" + t.source + ") " + t.line_label + " " + std::to_string(row) + " column '" +
           column + "': ";
  };
  try {
    std::unique_ptr<SQLite::Statement> q;
    bool with_rowid = !table.empty();
    if (with_rowid) {
      try {
        q = std::make_unique<SQLite::Statement>(db.connection(),
                                                "SELECT rowid, * FROM " + detail::quoted(table) + " ORDER BY rowid");
      } catch (const SQLite::Exception&) {  // a WITHOUT ROWID table (or none at all: the next line says)
        with_rowid = false;
        q = std::make_unique<SQLite::Statement>(db.connection(), "SELECT * FROM " + detail::quoted(table));
        t.line_label = "row";
      }
    } else {
      q = std::make_unique<SQLite::Statement>(db.connection(), query);
    }
    const int first = with_rowid ? 1 : 0;
    std::vector<detail::column_reader> columns(static_cast<std::size_t>(q->getColumnCount() - first));
    std::unordered_set<std::string> seen;
    for (std::size_t k = 0; k < columns.size(); ++k) {
      columns[k].name = q->getColumnName(static_cast<int>(k) + first);
      if (!seen.insert(columns[k].name).second)
        amalur::detail::fail<value_error>("table '", name, "' (", t.source, ") names column '", columns[k].name,
                                          "' twice");
    }
    std::int64_t row = 0;
    while (q->executeStep()) {
      ++row;
      const std::int64_t at = with_rowid ? q->getColumn(0).getInt64() : row;
      t.lines.push_back(at);
      for (std::size_t k = 0; k < columns.size(); ++k) {
        auto& c = columns[k];
        const SQLite::Column v = q->getColumn(static_cast<int>(k) + first);
        int type = v.getType();
        c.integers.push_back(type == SQLITE_INTEGER ? v.getInt64() : 0);
        c.reals.push_back(type == SQLITE_FLOAT ? v.getDouble() : 0.0);
        c.texts.emplace_back(type == SQLITE_TEXT ? v.getString() : std::string());
        if (type == SQLITE_BLOB)
          amalur::detail::fail<value_error>(where(at, c.name), "a BLOB is not a value amalur reads (integer, real or text)");
        if (type == SQLITE_FLOAT && !std::isfinite(c.reals.back()))
          amalur::detail::fail<value_error>(where(at, c.name), "the value is not finite");
        if (type == SQLITE_TEXT) {
          if (c.texts.back().empty()) type = SQLITE_NULL;  // as in CSV, an empty field is missing
          const std::size_t bad = io::detail::invalid_utf8(c.texts.back());
          if (bad != std::string_view::npos)
            amalur::detail::fail<value_error>(where(at, c.name), "the text is not UTF-8 (byte ", bad + 1, ")");
        }
        c.types.push_back(type);
      }
    }
    t.rows = static_cast<index_t>(row);
    for (auto& c : columns) t.columns.push_back(c.finish());
  } catch (const SQLite::Exception& e) {  // no such table, bad SQL, or a file that turned bad while read
    if (e.getErrorCode() == SQLITE_ERROR)
      amalur::detail::fail<value_error>("table '", name, "' (", t.source, "): ", e.what());
    throw io::file_error("SQLite file '" + path + "': " + e.what());
  }
  if (t.columns.empty()) amalur::detail::fail<value_error>("table '", name, "' (", t.source, ") has no columns");
  return t;
}

}  // namespace amalur::catalog
