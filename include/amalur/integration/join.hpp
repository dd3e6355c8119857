#pragma once
// The data-integration step users otherwise hand-code: from named tables and
// declared joins, the row mapping of every table alias onto the target rows
// (the indicators). Inner, left and full outer joins on one or more key
// columns, PK-FK and (when declared) many-to-many, chains and stars, the
// same table under several aliases. Nothing is materialized: the result is
// one source row index (or none) per alias and target row.

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "amalur/io/table.hpp"
#include "amalur/metadata/indicator.hpp"

namespace amalur::integration {

enum class join_kind { inner, left, full };
/// What a left or full join does with a target row that finds no match.
enum class unmatched_policy { zeros, error, drop };

struct join_spec {
  std::string table;
  std::string alias;  // defaults to the table's name
  join_kind kind = join_kind::left;
  /// [column of the tables joined so far ("alias.column", or a base column), column of this table]
  std::vector<std::pair<std::string, std::string>> on;
  unmatched_policy unmatched = unmatched_policy::zeros;
  bool many_to_many = false;  // otherwise this table's key must be unique
};

/// The target rows: for each alias, the source row each target row takes.
struct integrated_rows {
  index_t rows = 0;
  std::string base;
  std::vector<std::string> aliases;                       // base first, then joins in order
  std::map<std::string, const io::table*> tables;         // alias -> its table
  std::map<std::string, std::vector<index_t>> row_of;     // alias -> source row per target row, or none
  std::map<std::string, index_t> unmatched;               // join alias -> target rows it left unmatched

  const io::table& table_of(const std::string& alias) const {
    const auto it = tables.find(alias);
    if (it == tables.end()) detail::fail<value_error>("unknown table alias '", alias, "'");
    return *it->second;
  }
  /// Splits "alias.column" (or a bare column of the base table).
  std::pair<std::string, std::string> resolve(const std::string& qualified) const {
    const auto dot = qualified.find('.');
    if (dot == std::string::npos) return {base, qualified};
    const std::string alias = qualified.substr(0, dot);
    if (!tables.count(alias)) detail::fail<value_error>("'", qualified, "' names unknown table alias '", alias, "'");
    return {alias, qualified.substr(dot + 1)};
  }
  /// The indicator of an alias: identity, gather or partial, whichever fits.
  row_indicator indicator(const std::string& alias) const {
    const auto& r = row_of.at(alias);
    const index_t source_rows = table_of(alias).rows;
    bool identity = static_cast<index_t>(r.size()) == source_rows, complete = true;
    for (std::size_t i = 0; i < r.size(); ++i) {
      identity = identity && r[i] == static_cast<index_t>(i);
      complete = complete && r[i] != none;
    }
    if (identity) return identity_rows();
    if (complete) return gather_rows(r);
    return partial_rows(r);
  }
};

namespace detail {
inline std::string key_of(const std::vector<const io::column*>& cols, index_t row, bool& missing) {
  std::string key;
  missing = false;
  for (const io::column* c : cols) {
    if (c->is_missing(row)) {
      missing = true;
      return {};
    }
    key += c->text_at(row);
    key += '\x1f';
  }
  return key;
}
inline bool numeric(io::column_kind k) { return k != io::column_kind::text; }
}  // namespace detail

/// Joins `joins` onto `base`, in order. `tables` maps table names to tables.
inline integrated_rows join(const std::map<std::string, io::table>& tables, const std::string& base,
                            const std::vector<join_spec>& joins) {
  integrated_rows out;
  const auto base_it = tables.find(base);
  if (base_it == tables.end()) amalur::detail::fail<value_error>("the base table '", base, "' is not among the tables");
  out.base = base;
  out.rows = base_it->second.rows;
  out.aliases.push_back(base);
  out.tables[base] = &base_it->second;
  std::vector<index_t> identity(static_cast<std::size_t>(out.rows));
  for (index_t i = 0; i < out.rows; ++i) identity[static_cast<std::size_t>(i)] = i;
  out.row_of[base] = std::move(identity);

  for (const join_spec& j : joins) {
    const auto right_it = tables.find(j.table);
    if (right_it == tables.end()) amalur::detail::fail<value_error>("join: unknown table '", j.table, "'");
    const io::table& right = right_it->second;
    const std::string alias = j.alias.empty() ? j.table : j.alias;
    if (out.tables.count(alias)) amalur::detail::fail<value_error>("join: the alias '", alias, "' is used twice");
    if (j.on.empty()) amalur::detail::fail<value_error>("join '", alias, "': no key columns ('on')");

    // Key columns of both sides; their types must agree.
    std::vector<const io::column*> left_cols, right_cols;
    std::vector<const std::vector<index_t>*> left_rows;
    for (const auto& [left_name, right_name] : j.on) {
      const auto [left_alias, left_column] = out.resolve(left_name);
      const io::column* lc = out.table_of(left_alias).find(left_column);
      if (!lc)
        amalur::detail::fail<value_error>("join '", alias, "': key column '", left_column, "' is missing from '",
                                          left_alias, "'");
      const io::column* rc = right.find(right_name);
      if (!rc)
        amalur::detail::fail<value_error>("join '", alias, "': key column '", right_name, "' is missing from table '",
                                          j.table, "'");
      if (detail::numeric(lc->kind) != detail::numeric(rc->kind))
        amalur::detail::fail<value_error>("join '", alias, "': type mismatch: ", left_alias, ".", left_column, " is ",
                                          io::name_of(lc->kind), " but ", j.table, ".", right_name, " is ",
                                          io::name_of(rc->kind));
      left_cols.push_back(lc);
      right_cols.push_back(rc);
      left_rows.push_back(&out.row_of.at(left_alias));
    }

    // Index the right side by key; a duplicate key is an error unless many-to-many.
    std::unordered_map<std::string, std::vector<index_t>> index;
    index.reserve(static_cast<std::size_t>(right.rows));
    for (index_t r = 0; r < right.rows; ++r) {
      bool missing = false;
      std::string key = detail::key_of(right_cols, r, missing);
      if (missing) continue;
      auto& rows = index[key];
      if (!rows.empty() && !j.many_to_many)
        amalur::detail::fail<value_error>("join '", alias, "': table '", j.table, "' key column '", j.on[0].second,
                                          "' is not unique (first repeated value '", right_cols[0]->text_at(r),
                                          "'); declare \"many_to_many\": true if intended");
      rows.push_back(r);
    }

    // Walk the target rows; each keeps, multiplies or loses its row.
    std::map<std::string, std::vector<index_t>> next;
    for (const auto& a : out.aliases) next[a].reserve(static_cast<std::size_t>(out.rows));
    std::vector<index_t> joined;
    joined.reserve(static_cast<std::size_t>(out.rows));
    std::vector<char> right_used(static_cast<std::size_t>(right.rows), 0);
    index_t unmatched = 0;
    for (index_t i = 0; i < out.rows; ++i) {
      bool missing = false;
      std::string key;
      for (std::size_t k = 0; k < left_cols.size() && !missing; ++k) {
        const index_t lr = (*left_rows[k])[static_cast<std::size_t>(i)];
        if (lr == none || left_cols[k]->is_missing(lr)) {
          missing = true;
          break;
        }
        key += left_cols[k]->text_at(lr);
        key += '\x1f';
      }
      const auto found = missing ? index.end() : index.find(key);
      auto keep = [&](index_t right_row) {
        for (const auto& a : out.aliases) next[a].push_back(out.row_of[a][static_cast<std::size_t>(i)]);
        joined.push_back(right_row);
      };
      if (found != index.end()) {
        for (index_t r : found->second) {
          keep(r);
          right_used[static_cast<std::size_t>(r)] = 1;
        }
        continue;
      }
      ++unmatched;
      if (j.kind == join_kind::inner || j.unmatched == unmatched_policy::drop) continue;
      if (j.unmatched == unmatched_policy::error) {
        std::string shown;
        for (std::size_t k = 0; k < left_cols.size(); ++k) {
          const index_t lr = (*left_rows[k])[static_cast<std::size_t>(i)];
          shown += (k ? "," : "") + (lr == none ? std::string("<none>") : left_cols[k]->text_at(lr));
        }
        amalur::detail::fail<value_error>("join '", alias, "': target row ", i, " with key '", shown,
                                          "' has no match in table '", j.table, "' (\"unmatched\": \"error\")");
      }
      keep(none);
    }
    if (j.kind == join_kind::full)
      for (index_t r = 0; r < right.rows; ++r)
        if (!right_used[static_cast<std::size_t>(r)]) {
          for (const auto& a : out.aliases) next[a].push_back(none);
          joined.push_back(r);
        }
    out.rows = static_cast<index_t>(joined.size());
    out.row_of = std::move(next);
    out.row_of[alias] = std::move(joined);
    out.aliases.push_back(alias);
    out.tables[alias] = &right;
    out.unmatched[alias] = unmatched;
  }
  return out;
}

/// Appends tables with the same columns (by name): a union. Integer and real
/// columns unify to real; text must stay text.
inline io::table union_of(const std::vector<io::table>& parts, const std::string& name) {
  if (parts.empty()) amalur::detail::fail<value_error>("union '", name, "' has no parts");
  io::table out;
  out.name = name;
  for (const auto& c : parts[0].columns) {
    out.columns.emplace_back();
    out.columns.back().name = c.name;
    out.columns.back().kind = c.kind;
  }
  std::vector<std::unordered_map<std::string, std::int32_t>> dictionaries(out.columns.size());
  for (const auto& part : parts) {
    if (part.columns.size() != out.columns.size())
      amalur::detail::fail<value_error>("union '", name, "': table '", part.name, "' has ", part.columns.size(),
                                        " columns, the first part ", out.columns.size());
    for (std::size_t ci = 0; ci < out.columns.size(); ++ci) {
      io::column& oc = out.columns[ci];
      const io::column* pc = part.find(oc.name);
      if (!pc) amalur::detail::fail<value_error>("union '", name, "': table '", part.name, "' has no column '", oc.name, "'");
      if (detail::numeric(pc->kind) != detail::numeric(oc.kind))
        amalur::detail::fail<value_error>("union '", name, "': column '", oc.name, "' is ", io::name_of(pc->kind),
                                          " in '", part.name, "' but ", io::name_of(oc.kind), " before");
      if (pc->kind == io::column_kind::real) oc.kind = io::column_kind::real;
      for (index_t r = 0; r < part.rows; ++r) {
        oc.missing.push_back(pc->is_missing(r) ? 1 : 0);
        if (pc->kind == io::column_kind::text) {
          if (pc->is_missing(r)) {
            oc.codes.push_back(-1);
          } else {
            const auto [it, fresh] =
                dictionaries[ci].try_emplace(pc->text_at(r), static_cast<std::int32_t>(oc.levels.size()));
            if (fresh) oc.levels.push_back(it->first);
            oc.codes.push_back(it->second);
          }
        } else {
          oc.values.push_back(pc->values[static_cast<std::size_t>(r)]);
        }
      }
    }
    out.rows += part.rows;
  }
  return out;
}

}  // namespace amalur::integration
