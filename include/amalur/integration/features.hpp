#pragma once
// Feature encoding that keeps the factorized form: each table alias becomes
// (at most) a dense source of its numeric features and a CSR source of its
// one-hot features, over its own rows, with its indicator. T is never built.
//
// One-hot levels are the values that occur in T (source rows that some
// target row takes), sorted byte-wise, the first dropped when the model has
// an intercept: the same columns as one-hot encoding the joined table.
// Date parts ("hour", "weekday", "month") derive from "YYYY-MM-DD HH:MM" text.
// A coalesced feature takes the first listed column that has a value for the
// row (SQL COALESCE), through the overlap precedence of the normalized matrix.

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <unordered_map>

#include "amalur/execution/parallel.hpp"
#include "amalur/integration/join.hpp"
#include "amalur/io/csv.hpp"
#include "amalur/normalized/dynamic_normalized_matrix.hpp"

namespace amalur::integration {

struct feature_spec {
  std::string column;                 // "alias.column"
  bool onehot = false;
  std::string derive;                 // "", "hour", "weekday" or "month"
  std::vector<std::string> coalesce;  // instead of `column`: "alias.column" in order of precedence
  std::string name;                   // required with coalesce
};

/// The name a feature's coefficients carry ("alias.column", or with ":part" when derived).
inline std::string feature_key(const feature_spec& f) {
  if (!f.coalesce.empty()) return f.name;
  return f.derive.empty() ? f.column : f.column + ":" + f.derive;
}

/// One-hot levels per feature key, as agreed between parties (silo mode).
using level_sets = std::map<std::string, std::vector<std::string>>;

struct encoded_design {
  dynamic_normalized_matrix<double> matrix;
  std::vector<std::string> names;  // one per target column: the coefficient keys
  /// One-hot levels left out as the reference (coefficient 0), as "column=level".
  std::vector<std::string> reference_levels;
};

namespace detail {
/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
inline long days_from_civil(long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

/// hour (0-23), weekday (0 = Monday ... 6 = Sunday) or month (1-12) of
/// "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" (optionally ":SS"). The date must
/// exist in the calendar and the time on the clock; a missing time is an
/// error only for "hour".
inline double date_part(const std::string& text, const std::string& part, const std::string& where) {
  if (part != "hour" && part != "weekday" && part != "month")
    amalur::detail::fail<value_error>(where, ": unknown derive '", part, "' (hour, weekday or month)");
  auto bad = [&](const char* why) {
    amalur::detail::fail<value_error>(where, ": '", text, "' is not a date of the form YYYY-MM-DD HH:MM (", why, ")");
  };
  auto digits = [&](std::size_t at, std::size_t count) {
    if (at + count > text.size()) bad("too short");
    int v = 0;
    for (std::size_t k = at; k < at + count; ++k) {
      if (text[k] < '0' || text[k] > '9') bad("a digit expected");
      v = v * 10 + (text[k] - '0');
    }
    return v;
  };
  const int y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);
  if (text[4] != '-' || text[7] != '-') bad("'-' expected between year, month and day");
  if (mo < 1 || mo > 12) bad("no such month");
  static const int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d < 1 || d > days_in[mo - 1] + (mo == 2 && leap ? 1 : 0)) bad("no such day in that month");
  const bool has_time = text.size() > 10;
  if (has_time) {
    if ((text[10] != ' ' && text[10] != 'T') || text.size() < 16 || text[13] != ':') bad("HH:MM expected after the date");
    const int h = digits(11, 2), mi = digits(14, 2);
    if (h > 23) bad("the hour is past 23");
    if (mi > 59) bad("the minute is past 59");
    if (text.size() != 16 && (text.size() != 19 || text[16] != ':' || digits(17, 2) > 59)) bad("unexpected text after the time");
    if (part == "hour") return h;
  } else if (part == "hour") {
    bad("the hour is needed but the value has no time");
  }
  if (part == "month") return mo;
  const long days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return static_cast<double>(((days % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday
}

/// How many target rows take each source row of an alias.
inline std::vector<index_t> multiplicities(const integrated_rows& rows, const std::string& alias) {
  std::vector<index_t> count(static_cast<std::size_t>(rows.table_of(alias).rows), 0);
  for (index_t r : rows.rows_of(alias))
    if (r != none) ++count[static_cast<std::size_t>(r)];
  return count;
}

/// A feature's value per source row: as a number, or (one-hot) as a level
/// code into `levels` (-1 where missing), so per-row work never touches text.
struct feature_values {
  std::string alias;
  std::vector<double> numbers;
  std::vector<std::int32_t> codes;
  std::vector<std::string> levels;
  std::vector<char> missing;
};

/// Codes for per-row texts: each distinct text once, numbered by first
/// appearance. With `level_of` (a text column's codes, `levels` of them),
/// rows of one source level share their text, so it is made and looked up
/// once per level, not once per row.
template <class TextOf>
void encode_texts(feature_values& v, index_t n, TextOf&& text_of, const std::vector<std::int32_t>* level_of = nullptr,
                  std::size_t levels = 0) {
  std::unordered_map<std::string, std::int32_t> code_of;
  std::vector<std::int32_t> code_of_level(levels, -1);
  v.codes.assign(static_cast<std::size_t>(n), -1);
  for (index_t r = 0; r < n; ++r) {
    if (v.missing[static_cast<std::size_t>(r)]) continue;
    std::int32_t& code = v.codes[static_cast<std::size_t>(r)];
    std::int32_t* cached = level_of ? &code_of_level[static_cast<std::size_t>((*level_of)[static_cast<std::size_t>(r)])] : nullptr;
    if (cached && *cached >= 0) {
      code = *cached;
      continue;
    }
    const auto [it, fresh] = code_of.try_emplace(text_of(r), static_cast<std::int32_t>(v.levels.size()));
    if (fresh) v.levels.push_back(it->first);
    code = it->second;
    if (cached) *cached = code;
  }
}

/// A column used as a number must parse in every non-empty cell: names the
/// first that does not (file, line, column, value as written).
[[noreturn]] inline void fail_not_number(const io::table& t, const io::column& c, const std::string& use,
                                         const std::string& hint) {
  for (index_t r = 0; r < c.size(); ++r) {
    if (c.is_missing(r)) continue;
    double ignored = 0;
    const std::string text = c.text_at(r);
    if (!io::parse_real(text, ignored))
      amalur::detail::fail<value_error>(use, ": ", t.where(r), ", column '", c.name, "': '", text,
                                        "' is not a number", hint);
  }
  amalur::detail::fail<value_error>(use, ": column '", c.name, "' is not numeric", hint);
}

inline feature_values values_of(const integrated_rows& rows, const std::string& qualified, const std::string& derive,
                                bool as_text) {
  const auto [alias, column_name] = rows.resolve(qualified);
  const io::column& c = rows.table_of(alias).at(column_name);
  feature_values v;
  v.alias = alias;
  const index_t n = c.size();
  v.missing.assign(c.missing.begin(), c.missing.end());
  if (!derive.empty()) {
    if (c.kind != io::column_kind::text)
      amalur::detail::fail<value_error>("feature '", qualified, "': derive '", derive, "' needs a text date column");
    // Each distinct date is parsed once (levels are numbered by first
    // appearance, so a bad date is still the first bad row's).
    std::vector<double> part_of_level(c.levels.size());
    for (std::size_t l = 0; l < c.levels.size(); ++l) part_of_level[l] = date_part(c.levels[l], derive, qualified);
    const auto part_at = [&](index_t r) {
      return part_of_level[static_cast<std::size_t>(c.codes[static_cast<std::size_t>(r)])];
    };
    if (as_text) {  // codes only: no per-row numbers (16 MB on 2M rows)
      encode_texts(v, n, [&](index_t r) { return std::to_string(static_cast<long>(part_at(r))); }, &c.codes,
                   c.levels.size());
      return v;
    }
    v.numbers.resize(static_cast<std::size_t>(n));
    for (index_t r = 0; r < n; ++r)
      if (!c.is_missing(r)) v.numbers[static_cast<std::size_t>(r)] = part_at(r);
    return v;
  }
  if (as_text) {
    if (c.kind == io::column_kind::text) {
      v.codes = c.codes;
      v.levels = c.levels;
    } else {
      encode_texts(v, n, [&](index_t r) { return c.text_at(r); });
    }
    return v;
  }
  if (c.kind == io::column_kind::text)
    fail_not_number(rows.table_of(alias), c, "feature '" + qualified + "'",
                    " (a text column becomes a feature with \"encoding\": \"onehot\")");
  v.numbers = c.values;
  return v;
}

inline void check_missing(const feature_values& v, const std::vector<index_t>& used, const std::string& what) {
  for (std::size_t r = 0; r < v.missing.size(); ++r)
    if (v.missing[r] && used[r] > 0)
      amalur::detail::fail<value_error>("feature '", what, "': missing value in source row ", r,
                                        " (table alias '", v.alias, "'), which the target uses");
}

/// The levels of a one-hot feature that occur in T, sorted byte-wise.
inline std::vector<std::string> levels_in_target(const feature_values& v, const std::vector<index_t>& use) {
  std::vector<char> occurs(v.levels.size(), 0);
  for (std::size_t r = 0; r < v.codes.size(); ++r)
    if (use[r] > 0 && v.codes[r] >= 0) occurs[static_cast<std::size_t>(v.codes[r])] = 1;
  std::vector<std::string> levels;
  for (std::size_t l = 0; l < v.levels.size(); ++l)
    if (occurs[l]) levels.push_back(v.levels[l]);
  std::sort(levels.begin(), levels.end());
  return levels;
}

/// Columns collected for one alias: dense numeric ones and one-hot ones.
struct alias_block {
  std::string alias;
  std::vector<std::vector<double>> dense;  // per column, per source row
  std::vector<index_t> dense_targets;
  std::vector<std::vector<int>> onehot;  // per one-hot feature, each source row's block column (-1: none)
  std::vector<index_t> onehot_targets;
};

/// An alias's one-hot features as one CSR matrix, built row by row with no
/// sort: a row's columns come feature by feature, and each feature's block
/// columns follow the previous feature's, so they are already in order.
inline csr_matrix<double> onehot_csr(const std::vector<std::vector<int>>& features, index_t rows, index_t cols) {
  std::size_t stored = 0;
  for (const auto& f : features)
    for (const int c : f) stored += c >= 0;
  if (stored > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    amalur::detail::fail<value_error>("one-hot features: ", stored, " non-zeros do not fit a CSR matrix's int indices");
  // Written straight into the matrix's compressed arrays (outer has rows + 1 entries).
  csr_matrix<double> m(rows, cols);
  m.resizeNonZeros(static_cast<index_t>(stored));
  int* outer = m.outerIndexPtr();
  int* inner = m.innerIndexPtr();
  int k = 0;
  outer[0] = 0;
  for (index_t r = 0; r < rows; ++r) {
    for (const auto& f : features)
      if (const int c = f[static_cast<std::size_t>(r)]; c >= 0) inner[k++] = c;
    outer[r + 1] = k;
  }
  std::fill(m.valuePtr(), m.valuePtr() + k, 1.0);
  return m;
}
}  // namespace detail

/// The levels each one-hot feature takes in T (what a silo reports at set-up).
inline level_sets observed_levels(const integrated_rows& rows, const std::vector<feature_spec>& features) {
  level_sets out;
  for (const feature_spec& f : features) {
    if (!f.onehot || !f.coalesce.empty()) continue;
    const detail::feature_values v = detail::values_of(rows, f.column, f.derive, true);
    const auto use = detail::multiplicities(rows, v.alias);
    detail::check_missing(v, use, feature_key(f));
    out[feature_key(f)] = detail::levels_in_target(v, use);
  }
  return out;
}

namespace detail {
/// One feature's values over its alias's source rows, worked out on its
/// own (in parallel with the others); columns are numbered in encode().
struct encoded_feature {
  feature_values values;
  std::vector<std::string> levels;  // one-hot: the levels in T, sorted; the first is the reference with an intercept
  std::vector<int> column_of_row;   // one-hot: each source row's column among the feature's own (-1: none)
};

/// Frees a vector's storage (clear() keeps it).
template <class V>
void release(V& v) {
  V().swap(v);
}

inline encoded_feature encode_feature(const integrated_rows& rows, const feature_spec& f, bool intercept,
                                      const level_sets* agreed,
                                      const std::map<std::string, std::vector<index_t>>& used) {
  const std::string key = feature_key(f);
  encoded_feature e;
  e.values = values_of(rows, f.column, f.derive, f.onehot);
  const feature_values& v = e.values;
  const std::vector<index_t>& use = used.at(v.alias);
  check_missing(v, use, key);
  if (!f.onehot) return e;
  // Levels that occur in T, byte-wise; the first is the reference with an intercept.
  e.levels = agreed ? agreed->at(key) : levels_in_target(v, use);
  const std::size_t first = intercept && !e.levels.empty() ? 1 : 0;
  std::map<std::string, int> column_of;
  for (std::size_t l = first; l < e.levels.size(); ++l) column_of[e.levels[l]] = static_cast<int>(l - first);
  std::vector<int> column_of_code(v.levels.size(), -1);  // the reference and unagreed levels: none
  for (std::size_t l = 0; l < v.levels.size(); ++l)
    if (const auto it = column_of.find(v.levels[l]); it != column_of.end()) column_of_code[l] = it->second;
  e.column_of_row.assign(v.codes.size(), -1);
  for (std::size_t r = 0; r < v.codes.size(); ++r)
    if (v.codes[r] >= 0) e.column_of_row[r] = column_of_code[static_cast<std::size_t>(v.codes[r])];
  // Only the columns are needed from here: free the per-row numbers and codes now, not when the whole
  // design is built (on 2M rows, a derived date's are 23 MB).
  release(e.values.numbers);
  release(e.values.codes);
  return e;
}

/// An alias's dense and one-hot sources, sharing one indicator: the row
/// index is stored once, and the crossprod sees that they share it.
inline std::vector<dynamic_source<double>> alias_sources(const integrated_rows& rows, alias_block& b) {
  std::vector<dynamic_source<double>> out;
  const index_t n = rows.table_of(b.alias).rows;
  const row_indicator indicator = rows.indicator(b.alias);
  if (!b.dense.empty()) {
    Eigen::MatrixXd m(n, static_cast<index_t>(b.dense.size()));
    for (std::size_t c = 0; c < b.dense.size(); ++c) {
      m.col(static_cast<index_t>(c)) = Eigen::Map<const Eigen::VectorXd>(b.dense[c].data(), n);
      release(b.dense[c]);  // one copy at a time, not the block twice
    }
    out.emplace_back(std::move(m), indicator, columns(b.dense_targets));
  }
  if (!b.onehot_targets.empty()) {
    // Constructed here, not through emplace_back: the CSR prvalue then initializes the by-value parameter
    // directly, which hands its storage over by swap (Eigen 3.4's SparseMatrix has no move; forwarding it would copy).
    out.push_back(dynamic_source<double>(onehot_csr(b.onehot, n, static_cast<index_t>(b.onehot_targets.size())),
                                         indicator, columns(b.onehot_targets)));
    release(b.onehot);
  }
  return out;
}
}  // namespace detail

/// Encodes the features over the integrated rows. `intercept` drops the
/// first level of each one-hot feature. `agreed` (optional) fixes the levels
/// of one-hot features (sorted; silo mode), instead of the levels in T.
/// Features are worked out in parallel on amalur::default_threads(); the
/// result, and the error reported first, do not depend on the thread count.
inline encoded_design encode(const integrated_rows& rows, const std::vector<feature_spec>& features, bool intercept,
                             const level_sets* agreed = nullptr) {
  if (features.empty()) amalur::detail::fail<value_error>("no features to encode");
  std::map<std::string, detail::alias_block> blocks;
  std::map<std::string, std::vector<index_t>> used;
  std::vector<std::string> names, reference_levels;
  std::vector<dynamic_source<double>> coalesced;

  const index_t count = static_cast<index_t>(features.size());
  std::vector<detail::encoded_feature> encoded(features.size());
  std::vector<std::exception_ptr> failed(features.size());
  // How many target rows take each source row, for the aliases the features
  // use (a silo's rows name aliases whose tables another party holds).
  std::vector<std::string> alias_of(features.size());
  for (std::size_t k = 0; k < features.size(); ++k) {
    if (!features[k].coalesce.empty()) continue;
    try {
      alias_of[k] = rows.resolve(features[k].column).first;
      used.emplace(alias_of[k], std::vector<index_t>());
    } catch (...) {
      failed[k] = std::current_exception();
    }
  }
  {  // one alias per task; a failure belongs to each feature on that alias
    std::vector<std::pair<const std::string, std::vector<index_t>>*> each;
    for (auto& u : used) each.push_back(&u);
    std::map<std::string, std::exception_ptr> alias_error;
    for (const auto* u : each) alias_error[u->first];
    parallel_tasks(static_cast<index_t>(each.size()), default_threads(), [&](index_t k) {
      auto& u = *each[static_cast<std::size_t>(k)];
      try {
        u.second = detail::multiplicities(rows, u.first);
      } catch (...) {
        alias_error.at(u.first) = std::current_exception();
      }
    });
    for (std::size_t k = 0; k < features.size(); ++k)
      if (!failed[k] && features[k].coalesce.empty() && alias_error.at(alias_of[k])) failed[k] = alias_error.at(alias_of[k]);
  }
  parallel_tasks(count, default_threads(), [&](index_t k) {
    const feature_spec& f = features[static_cast<std::size_t>(k)];
    if (!f.coalesce.empty() || failed[static_cast<std::size_t>(k)]) return;
    try {
      encoded[static_cast<std::size_t>(k)] = detail::encode_feature(rows, f, intercept, agreed, used);
    } catch (...) {
      failed[static_cast<std::size_t>(k)] = std::current_exception();
    }
  });

  used.clear();  // only the features' checks needed the multiplicities
  for (std::size_t k = 0; k < features.size(); ++k) {
    const feature_spec& f = features[k];
    if (failed[k]) std::rethrow_exception(failed[k]);  // the first failing feature, in the spec's order
    if (!f.coalesce.empty()) {
      if (f.name.empty()) amalur::detail::fail<value_error>("a coalesced feature needs a \"name\"");
      // One single-column source per listed column; rows whose field is
      // missing take none, so the next column in the list gives the value.
      const index_t target = static_cast<index_t>(names.size());
      names.push_back(f.name);
      for (const std::string& q : f.coalesce) {
        const detail::feature_values v = detail::values_of(rows, q, f.derive, false);
        std::vector<row_index> row_of = rows.rows_of(v.alias);
        for (auto& r : row_of)
          if (r != none && v.missing[static_cast<std::size_t>(r)]) r = none;
        Eigen::MatrixXd m(static_cast<index_t>(v.numbers.size()), 1);
        for (std::size_t r = 0; r < v.numbers.size(); ++r) m(static_cast<index_t>(r), 0) = v.missing[r] ? 0.0 : v.numbers[r];
        coalesced.emplace_back(std::move(m), partial_rows(std::move(row_of)), columns({target}));
      }
      continue;
    }
    const std::string key = feature_key(f);
    detail::encoded_feature& e = encoded[k];
    detail::alias_block& block = blocks[e.values.alias];
    block.alias = e.values.alias;
    if (!f.onehot) {
      block.dense.push_back(std::move(e.values.numbers));
      block.dense_targets.push_back(static_cast<index_t>(names.size()));
      names.push_back(key);
      continue;
    }
    const std::size_t first = intercept && !e.levels.empty() ? 1 : 0;
    if (first) reference_levels.push_back(key + "=" + e.levels[0]);
    const int offset = static_cast<int>(block.onehot_targets.size());  // the feature's first column in the block
    for (std::size_t l = first; l < e.levels.size(); ++l) {
      block.onehot_targets.push_back(static_cast<index_t>(names.size()));
      names.push_back(key + "=" + e.levels[l]);
    }
    if (offset > 0)
      for (int& c : e.column_of_row)
        if (c >= 0) c += offset;
    block.onehot.push_back(std::move(e.column_of_row));
  }

  // Each alias's sources on their own (in parallel), then in the aliases' order.
  std::vector<detail::alias_block*> aliased;
  for (const std::string& alias : rows.aliases)
    if (const auto it = blocks.find(alias); it != blocks.end()) aliased.push_back(&it->second);
  std::vector<std::vector<dynamic_source<double>>> per_alias(aliased.size());
  std::vector<std::exception_ptr> alias_failed(aliased.size());
  parallel_tasks(static_cast<index_t>(aliased.size()), default_threads(), [&](index_t k) {
    try {
      per_alias[static_cast<std::size_t>(k)] = detail::alias_sources(rows, *aliased[static_cast<std::size_t>(k)]);
    } catch (...) {
      alias_failed[static_cast<std::size_t>(k)] = std::current_exception();
    }
  });
  std::vector<dynamic_source<double>> sources;
  for (std::size_t k = 0; k < aliased.size(); ++k) {
    if (alias_failed[k]) std::rethrow_exception(alias_failed[k]);
    for (auto& s : per_alias[k]) sources.push_back(std::move(s));
  }
  for (auto& s : coalesced) sources.push_back(std::move(s));
  return {dynamic_normalized_matrix<double>(std::move(sources), {}, static_cast<index_t>(names.size())),
          std::move(names), std::move(reference_levels)};
}

/// The label per target row: the column's value, or (value > threshold) when given.
inline Eigen::VectorXd label(const integrated_rows& rows, const std::string& qualified,
                             std::optional<double> threshold = std::nullopt) {
  const auto [alias, column_name] = rows.resolve(qualified);
  const io::column& c = rows.table_of(alias).at(column_name);
  if (c.kind == io::column_kind::text) detail::fail_not_number(rows.table_of(alias), c, "label '" + qualified + "'", "");
  const auto& row_of = rows.rows_of(alias);
  Eigen::VectorXd y(rows.rows);
  // In row blocks on the threads; the first missing row is reported, whatever their number.
  const std::vector<index_t> first_missing =
      parallel_row_blocks<index_t>(rows.rows, default_threads(), [&](index_t begin, index_t end) {
        for (index_t i = begin; i < end; ++i) {
          const index_t r = row_of[static_cast<std::size_t>(i)];
          if (r == none || c.is_missing(r)) return i;
          const double v = c.values[static_cast<std::size_t>(r)];
          y[i] = threshold ? (v > *threshold ? 1.0 : 0.0) : v;
        }
        return none;
      });
  for (const index_t i : first_missing)
    if (i != none) amalur::detail::fail<value_error>("label '", qualified, "' is missing for target row ", i);
  return y;
}

}  // namespace amalur::integration
