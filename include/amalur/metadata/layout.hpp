#pragma once
// Plans the parts that every operator sums over. Without overlap a part is a
// source with its own indicator and mapping. Where several sources provide
// the same target column, the target columns are grouped by the set of
// sources that provide them; inside a group each target row belongs to the
// first source in precedence that has it, so each (source, group) pair gets
// an effective indicator (its own rows minus those taken by a source of
// higher precedence) and its slice of the mapping. Every operator stays a
// plain sum over parts and no target cell is counted twice.

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <vector>

#include "amalur/core/config.hpp"
#include "amalur/core/error.hpp"
#include "amalur/metadata/indicator.hpp"

namespace amalur {

/// Source column `source` is target column `target`.
struct column_pair {
  index_t source;
  index_t target;
};

/// One (source, column group) term of T = sum_parts I_part S_part M_part^T.
struct part_layout {
  index_t source_index = 0;
  index_t source_cols = 0;
  std::vector<column_pair> columns;  // the included columns, by source column
  /// >= 0 when every source column j is target column block_target + j: the
  /// kernels then use Eigen blocks instead of copying rows or columns.
  index_t block_target = -1;
  /// Set when precedence took rows away from this source; null means the
  /// source's own indicator applies unchanged.
  std::shared_ptr<const partial_rows> effective_rows;
};

/// What planning needs to know of a source.
struct source_shape {
  index_t source_rows = 0;
  index_t source_cols = 0;
  index_t target_rows = 0;
  const index_t* col_of = nullptr;
  std::function<std::vector<index_t>()> row_of;  // called only where sources overlap
};

/// Order of precedence for overlapping cells: source indices, first wins.
struct precedence {
  std::vector<index_t> order;
};

struct part_plan {
  index_t rows = 0;
  index_t cols = 0;
  std::vector<part_layout> parts;
};

namespace detail {
inline void finish_layout(part_layout& p) {
  std::sort(p.columns.begin(), p.columns.end(),
            [](const column_pair& a, const column_pair& b) { return a.source < b.source; });
  const auto count = static_cast<index_t>(p.columns.size());
  p.block_target = -1;
  if (count == p.source_cols && count > 0) {
    bool block = true;
    for (index_t j = 0; j < count && block; ++j)
      block = p.columns[static_cast<std::size_t>(j)].source == j &&
              p.columns[static_cast<std::size_t>(j)].target == p.columns[0].target + j;
    if (block) p.block_target = p.columns[0].target;
  }
}

inline std::vector<index_t> precedence_rank(const precedence& prec, std::size_t sources) {
  std::vector<index_t> rank(sources, -1);
  if (prec.order.empty()) {
    std::iota(rank.begin(), rank.end(), index_t{0});
    return rank;
  }
  if (prec.order.size() != sources)
    fail<metadata_error>("precedence lists ", prec.order.size(), " sources but there are ", sources);
  for (std::size_t r = 0; r < sources; ++r) {
    const index_t s = prec.order[r];
    if (s < 0 || s >= static_cast<index_t>(sources))
      fail<index_error>("precedence names source ", s, " but there are ", sources, " sources");
    if (rank[static_cast<std::size_t>(s)] >= 0) fail<metadata_error>("precedence names source ", s, " twice");
    rank[static_cast<std::size_t>(s)] = static_cast<index_t>(r);
  }
  return rank;
}
}  // namespace detail

/// Checks the sources against each other and plans the parts.
/// `cols` < 0 infers the number of target columns (the largest mapped + 1).
inline part_plan plan_parts(const std::vector<source_shape>& sources, const precedence& prec = {},
                            index_t cols = -1) {
  if (sources.empty()) detail::fail<metadata_error>("a normalized matrix needs at least one source");
  part_plan plan;
  plan.rows = sources[0].target_rows;
  index_t max_col = -1;
  for (std::size_t k = 0; k < sources.size(); ++k) {
    const auto& s = sources[k];
    if (s.target_rows != plan.rows)
      detail::fail<metadata_error>("source ", k, " gives ", s.target_rows, " target rows but source 0 gives ",
                                   plan.rows);
    for (index_t j = 0; j < s.source_cols; ++j) max_col = std::max(max_col, s.col_of[j]);
  }
  plan.cols = cols < 0 ? max_col + 1 : cols;
  if (max_col >= plan.cols)
    detail::fail<index_error>("a source maps to target column ", max_col, " but the target has ", plan.cols,
                              " columns");
  if (plan.rows == 0) detail::fail<dimension_error>("the target table has no rows");
  if (plan.cols == 0) detail::fail<dimension_error>("the target table has no columns");

  const auto rank = detail::precedence_rank(prec, sources.size());
  // providers[c]: the sources that map target column c, by precedence.
  std::vector<std::vector<index_t>> providers(static_cast<std::size_t>(plan.cols));
  for (std::size_t k = 0; k < sources.size(); ++k)
    for (index_t j = 0; j < sources[k].source_cols; ++j)
      if (sources[k].col_of[j] != dropped)
        providers[static_cast<std::size_t>(sources[k].col_of[j])].push_back(static_cast<index_t>(k));
  for (auto& p : providers)
    std::sort(p.begin(), p.end(), [&](index_t a, index_t b) { return rank[a] < rank[b]; });

  // Plain parts (own indicator) per source, plus overridden parts.
  std::vector<part_layout> own(sources.size());
  for (std::size_t k = 0; k < sources.size(); ++k) {
    own[k].source_index = static_cast<index_t>(k);
    own[k].source_cols = sources[k].source_cols;
  }
  std::vector<part_layout> overridden;
  std::map<std::vector<index_t>, std::vector<index_t>> groups;  // provider list -> target columns
  for (index_t c = 0; c < plan.cols; ++c) {
    const auto& p = providers[static_cast<std::size_t>(c)];
    if (p.size() == 1) {
      const auto& s = sources[static_cast<std::size_t>(p[0])];
      for (index_t j = 0; j < s.source_cols; ++j)
        if (s.col_of[j] == c) own[static_cast<std::size_t>(p[0])].columns.push_back({j, c});
    } else if (p.size() > 1) {
      groups[p].push_back(c);
    }
  }
  std::map<index_t, std::vector<index_t>> row_of_cache;
  for (const auto& [group_providers, group_cols] : groups) {
    std::vector<char> taken(static_cast<std::size_t>(plan.rows), 0);
    for (index_t k : group_providers) {
      const auto& s = sources[static_cast<std::size_t>(k)];
      auto it = row_of_cache.find(k);
      if (it == row_of_cache.end()) it = row_of_cache.emplace(k, s.row_of()).first;
      std::vector<index_t> effective = it->second;
      bool lost = false;
      for (std::size_t i = 0; i < effective.size(); ++i) {
        if (effective[i] == none) continue;
        if (taken[i]) {
          effective[i] = none;
          lost = true;
        } else {
          taken[i] = 1;
        }
      }
      part_layout* target = &own[static_cast<std::size_t>(k)];
      if (lost) {
        overridden.emplace_back();
        target = &overridden.back();
        target->source_index = k;
        target->source_cols = s.source_cols;
        auto rows = std::make_shared<partial_rows>(std::move(effective));
        rows->bind(s.source_rows);
        target->effective_rows = std::move(rows);
      }
      for (index_t j = 0; j < s.source_cols; ++j)
        if (s.col_of[j] != dropped && std::binary_search(group_cols.begin(), group_cols.end(), s.col_of[j]))
          target->columns.push_back({j, s.col_of[j]});
    }
  }
  // By source, each source's own part before the parts that precedence cut from it, in the order made.
  for (std::size_t k = 0; k < sources.size(); ++k) {
    if (!own[k].columns.empty()) plan.parts.push_back(std::move(own[k]));
    for (auto& p : overridden)
      if (p.source_index == static_cast<index_t>(k)) plan.parts.push_back(std::move(p));
  }
  for (auto& p : plan.parts) detail::finish_layout(p);
  return plan;
}

}  // namespace amalur
