#pragma once
// The data-integration step users otherwise hand-code: from named tables and
// declared joins, the row mapping of every table alias onto the target rows
// (the indicators). Inner, left and full outer joins on one or more key
// columns, PK-FK and (when declared) many-to-many, chains and stars, the
// same table under several aliases. Nothing is materialized: the result is
// one source row index (or none) per alias and target row.

#include <algorithm>
#include <limits>
#include <map>
#include <string_view>
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
  std::map<std::string, std::vector<row_index>> row_of;   // alias -> source row per target row, or none
  std::map<std::string, index_t> unmatched;               // join alias -> target rows it left unmatched
  std::map<std::string, index_t> matched;                 // join alias -> target rows that found a match

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
  /// The source row of `alias` behind each target row (none: unmatched).
  const std::vector<row_index>& rows_of(const std::string& alias) const {
    const auto it = row_of.find(alias);
    if (it == row_of.end()) detail::fail<index_error>("unknown table alias '", alias, "'");
    return it->second;
  }
  /// The target rows whose "alias.column" value satisfies `keep(text)`, and
  /// the others (rows where the value is missing or unmatched go to the others).
  template <class Predicate>
  std::pair<std::vector<index_t>, std::vector<index_t>> partition_rows(const std::string& qualified,
                                                                       Predicate&& keep) const {
    const auto [alias, name] = resolve(qualified);
    const io::column* c = table_of(alias).find(name);
    if (!c) detail::fail<value_error>("'", qualified, "': table '", alias, "' has no column '", name, "'");
    const auto& r = rows_of(alias);
    std::pair<std::vector<index_t>, std::vector<index_t>> out;
    for (index_t i = 0; i < rows; ++i) {
      const index_t j = r[static_cast<std::size_t>(i)];
      const bool selected = j != none && !c->is_missing(j) && keep(c->text_at(j));
      (selected ? out.first : out.second).push_back(i);
    }
    return out;
  }
  /// The indicator of an alias: identity, gather or partial, whichever fits.
  row_indicator indicator(const std::string& alias) const {
    const auto& r = rows_of(alias);
    const index_t source_rows = table_of(alias).rows;
    if (static_cast<index_t>(r.size()) == source_rows) {
      std::size_t same = 0;  // leading target rows that take their own row number
      while (same < r.size() && r[same] == static_cast<index_t>(same)) ++same;
      if (same == r.size()) return identity_rows();
    }
    if (std::find(r.begin(), r.end(), row_index(none)) == r.end()) return gather_rows(r);
    return partial_rows(r);
  }
};

namespace detail {
/// A table's rows as the integrated rows index them (amalur::row_index).
inline void check_table_rows(const io::table& t, const std::string& alias) {
  if (t.rows > std::numeric_limits<row_index>::max())
    amalur::detail::fail<index_error>("table '", alias, "' has ", t.rows,
                                      " rows; a joined table has under 2^31 rows (the row index of an indicator)");
}

/// The join key of one row: the key columns' texts, separated by a unit
/// separator; `row_of(k)` is the row key column k is read at (none: missing).
template <class RowOf>
std::string key_at(const std::vector<const io::column*>& cols, RowOf&& row_of, bool& missing) {
  std::string key;
  missing = false;
  for (std::size_t k = 0; k < cols.size(); ++k) {
    const index_t row = row_of(k);
    if (row == none || cols[k]->is_missing(row)) {
      missing = true;
      return {};
    }
    key += cols[k]->text_at(row);
    key += '\x1f';
  }
  return key;
}
inline std::string key_of(const std::vector<const io::column*>& cols, index_t row, bool& missing) {
  return key_at(cols, [row](std::size_t) { return row; }, missing);
}
inline bool numeric(io::column_kind k) { return k != io::column_kind::text; }

/// The left side of one join: its key columns and where each target row finds them.
struct left_side {
  std::vector<const io::column*> columns;
  std::vector<const std::vector<row_index>*> rows;
  std::vector<std::string> names;  // "alias.column"

  /// The key of target row i, or missing.
  std::string key(index_t i, bool& missing) const {
    return key_at(columns, [&](std::size_t k) { return (*rows[k])[static_cast<std::size_t>(i)]; }, missing);
  }
  /// The key as the error message shows it.
  std::string shown(index_t i) const {
    std::string out;
    for (std::size_t k = 0; k < columns.size(); ++k) {
      const index_t lr = (*rows[k])[static_cast<std::size_t>(i)];
      out += (k ? "," : "") + (lr == none ? std::string("<none>") : columns[k]->text_at(lr));
    }
    return out;
  }
};

/// Resolves the left key columns of join `j` (alias `alias`) on the rows joined so far.
inline left_side left_of(const integrated_rows& out, const join_spec& j, const std::string& alias) {
  if (out.tables.count(alias)) amalur::detail::fail<value_error>("join: the alias '", alias, "' is used twice");
  if (j.on.empty()) amalur::detail::fail<value_error>("join '", alias, "': no key columns ('on')");
  left_side left;
  for (const auto& on : j.on) {
    const auto [left_alias, left_column] = out.resolve(on.first);
    const io::column* lc = out.table_of(left_alias).find(left_column);
    if (!lc)
      amalur::detail::fail<value_error>("join '", alias, "': key column '", left_column, "' is missing from '",
                                        left_alias, "'");
    left.columns.push_back(lc);
    left.rows.push_back(&out.rows_of(left_alias));
    left.names.push_back(left_alias + "." + left_column);
  }
  return left;
}

/// The error of a target row that finds no match under "unmatched": "error".
[[noreturn]] inline void fail_unmatched(const integrated_rows& out, const join_spec& j, const std::string& alias,
                                        const left_side& left, index_t i) {
  const index_t row = out.rows_of(out.base)[static_cast<std::size_t>(i)];
  amalur::detail::fail<value_error>("join '", alias, "': key '", left.shown(i), "' of ", out.base, " data row ", row, " (",
                                    out.table_of(out.base).where(row), ") has no match in table '", j.table,
                                    "' (\"unmatched\": \"error\")");
}

/// Walks the target rows of `out` and applies one join: `matches(i, keep)`
/// calls keep(right row) for each match of target row i and returns how many
/// it found; unmatched rows follow the join's kind and policy. `right_rows`
/// (with `right_used`) adds the unmatched right rows of a full join.
template <class Matches>
void apply_join(integrated_rows& out, const join_spec& j, const std::string& alias, const io::table* right,
                const left_side& left, Matches&& matches) {
  // The aliases' rows, looked up once (not per target row).
  std::vector<const std::vector<row_index>*> before;
  std::vector<std::vector<row_index>> next(out.aliases.size());
  for (std::size_t a = 0; a < out.aliases.size(); ++a) {
    before.push_back(&out.row_of[out.aliases[a]]);
    next[a].reserve(static_cast<std::size_t>(out.rows));
  }
  std::vector<row_index> joined;
  joined.reserve(static_cast<std::size_t>(out.rows));
  std::vector<char> right_used(right ? static_cast<std::size_t>(right->rows) : 0, 0);
  index_t unmatched = 0, matched_rows = 0;
  for (index_t i = 0; i < out.rows; ++i) {
    auto keep = [&](index_t right_row) {
      for (std::size_t a = 0; a < next.size(); ++a) next[a].push_back((*before[a])[static_cast<std::size_t>(i)]);
      joined.push_back(static_cast<row_index>(right_row));
      if (right && right_row != none) right_used[static_cast<std::size_t>(right_row)] = 1;
    };
    if (matches(i, keep) > 0) {
      ++matched_rows;
      continue;
    }
    ++unmatched;
    // The policy holds for every join kind: "error" fails an inner join too.
    if (j.unmatched == unmatched_policy::error) fail_unmatched(out, j, alias, left, i);
    if (j.kind == join_kind::inner || j.unmatched == unmatched_policy::drop) continue;
    keep(none);
  }
  if (j.kind == join_kind::full && right)
    for (index_t r = 0; r < right->rows; ++r)
      if (!right_used[static_cast<std::size_t>(r)]) {
        for (auto& rows : next) rows.push_back(row_index(none));
        joined.push_back(static_cast<row_index>(r));
      }
  out.rows = static_cast<index_t>(joined.size());
  std::map<std::string, std::vector<row_index>> rows;
  for (std::size_t a = 0; a < next.size(); ++a) rows[out.aliases[a]] = std::move(next[a]);
  rows[alias] = std::move(joined);
  out.row_of = std::move(rows);
  out.aliases.push_back(alias);
  out.unmatched[alias] = unmatched;
  out.matched[alias] = matched_rows;
}

/// Applies a join whose keys are unique on the right: `joined[i]` is the
/// right row target row i takes (none: unmatched). As apply_join does, but
/// when no target row is dropped (and the join is not full) the other
/// aliases' rows stay as they are, with no copy.
inline void apply_unique_join(integrated_rows& out, const join_spec& j, const std::string& alias, const io::table& right,
                              const left_side& left, std::vector<row_index> joined) {
  index_t unmatched = 0;
  for (std::size_t i = 0; i < joined.size(); ++i)
    if (joined[i] == none) {
      if (j.unmatched == unmatched_policy::error) fail_unmatched(out, j, alias, left, static_cast<index_t>(i));
      ++unmatched;
    }
  const bool drops = unmatched > 0 && (j.kind == join_kind::inner || j.unmatched == unmatched_policy::drop);
  if (drops || j.kind == join_kind::full) {
    apply_join(out, j, alias, &right, left, [&](index_t i, auto& keep) -> index_t {
      const index_t r = joined[static_cast<std::size_t>(i)];
      if (r == none) return 0;
      keep(r);
      return 1;
    });
    return;
  }
  for (auto it = out.row_of.begin(); it != out.row_of.end();)  // as apply_join: the aliases' rows only
    it = std::find(out.aliases.begin(), out.aliases.end(), it->first) == out.aliases.end() ? out.row_of.erase(it) : std::next(it);
  out.unmatched[alias] = unmatched;
  out.matched[alias] = out.rows - unmatched;
  out.row_of[alias] = std::move(joined);
  out.aliases.push_back(alias);
}
}  // namespace detail

/// The base table alone: identity rows.
inline integrated_rows base_rows(const io::table& base, const std::string& name) {
  integrated_rows out;
  out.base = name;
  out.rows = base.rows;
  out.aliases.push_back(name);
  out.tables[name] = &base;
  detail::check_table_rows(base, name);
  std::vector<row_index> identity(static_cast<std::size_t>(out.rows));
  for (std::size_t i = 0; i < identity.size(); ++i) identity[i] = static_cast<row_index>(i);
  out.row_of[name] = std::move(identity);
  return out;
}

namespace detail {
/// The right table's key columns of join `j`, checked against the left
/// side: `left_numeric[k]` says whether left key k is a number, described
/// in the message as `left_names[k]` is `left_kinds[k]`.
inline std::vector<const io::column*> right_keys(const io::table& right, const join_spec& j, const std::string& alias,
                                                 const std::vector<bool>& left_numeric,
                                                 const std::vector<std::string>& left_names,
                                                 const std::vector<std::string>& left_kinds) {
  std::vector<const io::column*> right_cols;
  for (std::size_t k = 0; k < j.on.size(); ++k) {
    const io::column* rc = right.find(j.on[k].second);
    if (!rc)
      amalur::detail::fail<value_error>("join '", alias, "': key column '", j.on[k].second, "' is missing from table '",
                                        j.table, "'");
    if (left_numeric[k] != numeric(rc->kind))
      amalur::detail::fail<value_error>("join '", alias, "': type mismatch: ", left_names[k], " is ", left_kinds[k],
                                        " but ", j.table, ".", j.on[k].second, " is ", io::name_of(rc->kind));
    right_cols.push_back(rc);
  }
  return right_cols;
}

/// Indexes the right side by key (as `hash` maps a key's text); a
/// duplicate key is an error unless the join is many-to-many.
template <class Index, class Hash>
void index_right(Index& index, const std::vector<const io::column*>& right_cols, index_t rows, const join_spec& j,
                 const std::string& alias, Hash&& hash) {
  index.reserve(static_cast<std::size_t>(rows));
  for (index_t r = 0; r < rows; ++r) {
    bool missing = false;
    const std::string key = key_of(right_cols, r, missing);
    if (missing) continue;
    auto& matches = index[hash(key)];
    if (!matches.empty() && !j.many_to_many)
      amalur::detail::fail<value_error>("join '", alias, "': table '", j.table, "' key column '", j.on[0].second,
                                        "' is not unique (first repeated value '", right_cols[0]->text_at(r),
                                        "'); declare \"many_to_many\": true if intended");
    matches.push_back(r);
  }
}
}  // namespace detail

namespace detail {
/// The duplicate-key error of right row `r` (the join is not many-to-many).
[[noreturn]] inline void fail_duplicate(const std::vector<const io::column*>& right_cols, index_t r, const join_spec& j,
                                        const std::string& alias) {
  amalur::detail::fail<value_error>("join '", alias, "': table '", j.table, "' key column '", j.on[0].second,
                                    "' is not unique (first repeated value '", right_cols[0]->text_at(r),
                                    "'); declare \"many_to_many\": true if intended");
}

/// The right row of each target row for a one-column text key: the right
/// table's rows by level (a duplicate is an error), then each distinct left
/// level looked up once, so each target row costs a code and a vector read.
inline std::vector<row_index> text_matches(const left_side& left, const io::column& rc, index_t right_rows,
                                         const std::vector<const io::column*>& right_cols, const join_spec& j,
                                         const std::string& alias) {
  std::unordered_map<std::string_view, row_index> row_of_level;
  row_of_level.reserve(static_cast<std::size_t>(right_rows));
  for (index_t r = 0; r < right_rows; ++r) {
    if (rc.is_missing(r)) continue;
    const std::string& level = rc.levels[static_cast<std::size_t>(rc.codes[static_cast<std::size_t>(r)])];
    if (!row_of_level.try_emplace(level, static_cast<row_index>(r)).second) fail_duplicate(right_cols, r, j, alias);
  }
  const io::column& lc = *left.columns[0];
  std::vector<row_index> row_of_code(lc.levels.size(), row_index(none));
  for (std::size_t code = 0; code < lc.levels.size(); ++code) {
    const auto it = row_of_level.find(lc.levels[code]);
    if (it != row_of_level.end()) row_of_code[code] = it->second;
  }
  const std::vector<row_index>& rows = *left.rows[0];
  std::vector<row_index> joined(rows.size(), row_index(none));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const index_t lr = rows[i];
    if (lr == none || lc.is_missing(lr)) continue;
    joined[i] = row_of_code[static_cast<std::size_t>(lc.codes[static_cast<std::size_t>(lr)])];
  }
  return joined;
}

/// The right row of each target row for a one-column integer key (both
/// columns with exact integers): a vector over the right keys' range when
/// it is dense, else a hash map.
inline std::vector<row_index> integer_matches(const left_side& left, const io::column& rc, index_t right_rows,
                                            const std::vector<const io::column*>& right_cols, const join_spec& j,
                                            const std::string& alias) {
  std::unordered_map<std::int64_t, row_index> row_of_key;
  row_of_key.reserve(static_cast<std::size_t>(right_rows));
  std::int64_t lo = 0, hi = -1;
  for (index_t r = 0; r < right_rows; ++r) {
    if (rc.is_missing(r)) continue;
    const std::int64_t key = rc.integer_at(r);
    if (!row_of_key.try_emplace(key, static_cast<row_index>(r)).second) fail_duplicate(right_cols, r, j, alias);
    if (hi < lo) lo = hi = key;
    lo = std::min(lo, key);
    hi = std::max(hi, key);
  }
  // Dense: the range (in unsigned arithmetic: no overflow) within a few times the keys.
  const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  const bool dense = hi >= lo && span < 4 * static_cast<std::uint64_t>(row_of_key.size()) + 1024;
  std::vector<row_index> by_offset(dense ? static_cast<std::size_t>(span) + 1 : 0, row_index(none));
  if (dense)
    for (const auto& [key, r] : row_of_key)
      by_offset[static_cast<std::size_t>(static_cast<std::uint64_t>(key) - static_cast<std::uint64_t>(lo))] = r;
  const io::column& lc = *left.columns[0];
  const std::vector<row_index>& rows = *left.rows[0];
  std::vector<row_index> joined(rows.size(), row_index(none));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const index_t lr = rows[i];
    if (lr == none || lc.is_missing(lr)) continue;
    const std::int64_t key = lc.integer_at(lr);
    if (dense) {
      if (key >= lo && key <= hi)
        joined[i] = by_offset[static_cast<std::size_t>(static_cast<std::uint64_t>(key) - static_cast<std::uint64_t>(lo))];
    } else {
      const auto it = row_of_key.find(key);
      if (it != row_of_key.end()) joined[i] = it->second;
    }
  }
  return joined;
}

/// Whether a column's integer keys can be compared as int64: an integer
/// column with every row's exact value (as its text is, when printed).
inline bool exact_integers(const io::column& c) {
  return c.kind == io::column_kind::integer &&
         (c.integers.empty() ? c.values.size() : c.integers.size()) == c.missing.size();
}
}  // namespace detail

/// Joins one table onto the rows integrated so far.
inline void join_one(integrated_rows& out, const io::table& right, const join_spec& j) {
  const std::string alias = j.alias.empty() ? j.table : j.alias;
  detail::check_table_rows(right, alias);
  const detail::left_side left = detail::left_of(out, j, alias);
  std::vector<bool> numeric;
  std::vector<std::string> kinds;
  for (const io::column* c : left.columns) {
    numeric.push_back(detail::numeric(c->kind));
    kinds.push_back(io::name_of(c->kind));
  }
  const auto right_cols = detail::right_keys(right, j, alias, numeric, left.names, kinds);
  // Keys match when their texts do (so integer 12 matches real 12.0). One
  // text or exact-integer key on both sides: each distinct key is mapped
  // once. Other keys go through their texts; many-to-many through lists.
  const bool single = !j.many_to_many && right_cols.size() == 1;
  if (single && left.columns[0]->kind == io::column_kind::text && right_cols[0]->kind == io::column_kind::text) {
    detail::apply_unique_join(out, j, alias, right, left,
                              detail::text_matches(left, *right_cols[0], right.rows, right_cols, j, alias));
  } else if (single && detail::exact_integers(*left.columns[0]) && detail::exact_integers(*right_cols[0])) {
    detail::apply_unique_join(out, j, alias, right, left,
                              detail::integer_matches(left, *right_cols[0], right.rows, right_cols, j, alias));
  } else {
    std::unordered_map<std::string, std::vector<index_t>> index;
    detail::index_right(index, right_cols, right.rows, j, alias, [](const std::string& key) { return key; });
    if (j.many_to_many) {
      detail::apply_join(out, j, alias, &right, left, [&](index_t i, auto& keep) -> index_t {
        bool missing = false;
        const std::string key = left.key(i, missing);
        const auto found = missing ? index.end() : index.find(key);
        if (found == index.end()) return 0;
        for (index_t r : found->second) keep(r);
        return static_cast<index_t>(found->second.size());
      });
    } else {
      std::vector<row_index> joined(static_cast<std::size_t>(out.rows), row_index(none));
      for (index_t i = 0; i < out.rows; ++i) {
        bool missing = false;
        const std::string key = left.key(i, missing);
        const auto found = missing ? index.end() : index.find(key);
        if (found != index.end()) joined[static_cast<std::size_t>(i)] = static_cast<row_index>(found->second.front());
      }
      detail::apply_unique_join(out, j, alias, right, left, std::move(joined));
    }
  }
  out.tables[alias] = &right;
}

/// Joins `joins` onto `base`, in order. `tables` maps table names to tables.
inline integrated_rows join(const std::map<std::string, io::table>& tables, const std::string& base,
                            const std::vector<join_spec>& joins) {
  const auto base_it = tables.find(base);
  if (base_it == tables.end()) amalur::detail::fail<value_error>("the base table '", base, "' is not among the tables");
  integrated_rows out = base_rows(base_it->second, base);
  for (const join_spec& j : joins) {
    const auto right_it = tables.find(j.table);
    if (right_it == tables.end()) amalur::detail::fail<value_error>("join: unknown table '", j.table, "'");
    join_one(out, right_it->second, j);
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
          if (pc->kind == io::column_kind::integer) oc.integers.push_back(pc->integer_at(r));
        }
      }
    }
    out.rows += part.rows;
  }
  for (auto& c : out.columns) {
    if (c.kind != io::column_kind::integer) c.integers.clear();  // integers unified to real
    c.drop_exact_integers();
  }
  return out;
}

}  // namespace amalur::integration
