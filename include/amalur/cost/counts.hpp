#pragma once
// Work of each operator under both strategies, counted from shapes alone:
// flops, streamed bytes, and indexed (random) accesses. Everything is
// constexpr: with constant shapes and a constant profile the decision is
// made at compile time (see tests/test_cost.cpp).
//
// The rule (an empirical roofline): time = max(flops / peak, bytes / bandwidth)
// + random accesses / random-access rate. Gathers and scatters are charged
// by the access, because that, not their flops, is what they cost.

#include <cstddef>

#include "amalur/core/operation.hpp"
#include "amalur/cost/hardware_profile.hpp"
#include "amalur/execution/task_sizes.hpp"

namespace amalur {

struct work {
  double flops = 0;
  double bytes = 0;      // streamed
  double random = 0;     // indexed accesses into tables past the core's cache
  double near = 0;       // indexed accesses into tables that fit in it
  double footprint = 0;  // distinct bytes touched: decides cache or memory bandwidth
  double fresh = 0;      // bytes of new arrays, written for the first time (page faults)
  /// The factorized operators run one task per part (or pair of parts) on
  /// the profile's threads: the sum and the largest of the tasks' weights
  /// (see task_weight). Zero: one serial task.
  double task_sum = 0, task_max = 0;
  /// Seconds a call costs whatever its size (the factorized products' setup).
  double overhead = 0;
};

/// A gather or scatter table up to this size stays in a core's cache (L2).
inline constexpr double kNearTableBytes = 1024.0 * 1024.0;

/// What a factorized product call costs beyond its streamed bytes and
/// indexed accesses, at every size: its tasks' dispatch and per-part
/// temporaries. bench_grid's dense cells at tuple ratio >= 10 put it at
/// 25-34 us (the intercept of measured time against gathered rows); without
/// it the model factorized small products that ran 2x faster materialized.
inline constexpr double kProductCallSeconds = 25e-6;
/// The dense crossprod's cost per cell of T beyond its d flops per row
/// (Eigen's rank update packs and mirrors its blocks), and per column past a
/// multiple of 4 (which Eigen's kernel takes one at a time): bench_grid
/// measured 0.70 ns per cell at 12 columns, 1.32 at 11, 1.35 at 15.
inline constexpr double kGramCellFlops = 20.0;
inline constexpr double kGramRemainderFlops = 8.0;
constexpr double gram_cell_flops(double cols) {
  const double past_four = cols - 4.0 * static_cast<double>(static_cast<long long>(cols / 4.0));
  return kGramCellFlops + kGramRemainderFlops * past_four;
}

/// Adds `accesses` indexed accesses into a table of `table_bytes`: near
/// while it fits the cache, else the share of it the cache holds stays near
/// (tables of 1.6-2.7 MB measured 1-2 ns an access, between the two rates).
constexpr void add_random(work& w, double accesses, double table_bytes) {
  const double near_share = table_bytes <= kNearTableBytes ? 1.0 : kNearTableBytes / table_bytes;
  w.near += near_share * accesses;
  w.random += (1.0 - near_share) * accesses;
}

constexpr double max_of(double a, double b) { return a > b ? a : b; }
constexpr double min_of(double a, double b) { return a < b ? a : b; }

/// A task's weight, to split work among threads: flops, streamed words and
/// indexed accesses, each about a cycle or a few.
constexpr double task_weight(const work& w) { return w.flops + w.bytes / 8.0 + 4.0 * (w.random + w.near); }

/// Adds work that runs on one thread.
constexpr void add_serial(work& total, const work& part) {
  total.flops += part.flops;
  total.bytes += part.bytes;
  total.random += part.random;
  total.near += part.near;
  total.footprint += part.footprint;
  total.fresh += part.fresh;
}
/// Adds one task's work to `total`.
constexpr void add_task(work& total, const work& task) {
  add_serial(total, task);
  const double weight = task_weight(task);
  total.task_sum += weight;
  total.task_max = max_of(total.task_max, weight);
}

/// Task weight beside the largest task below which the kernels stay on one
/// thread (kParallelWorkMin entries, a few weight units each).
inline constexpr double kParallelWeightMin = 3.0 * kParallelWorkMin;

/// Adds work that runs over the target rows in fixed blocks of kTaskRows:
/// tasks of their own when there are several blocks, else serial work.
constexpr void add_row_blocks(work& total, const work& rows_work, double rows) {
  if (rows < 2.0 * static_cast<double>(kTaskRows)) {
    add_serial(total, rows_work);
    return;
  }
  const double weight = task_weight(rows_work);
  add_serial(total, rows_work);
  total.task_sum += weight;
  total.task_max = max_of(total.task_max, weight * static_cast<double>(kTaskRows) / rows);
}

/// Seconds for `w` on `hw`. The share of it in tasks spreads over hw.threads
/// threads, each past the first worth hw.parallel_efficiency of one (the
/// largest task bounding it from below), plus the threads' start; the rest,
/// and everything when the tasks are too small, is serial.
constexpr double seconds(const work& w, const hardware_profile& hw) {
  const double bandwidth = w.footprint <= hw.cache_bytes ? hw.cache_bytes_per_second : hw.bytes_per_second;
  const double serial = max_of(w.flops / hw.flops_per_second, w.bytes / bandwidth) + w.random / hw.random_per_second +
                        w.near / hw.near_random_per_second + w.fresh / hw.fresh_bytes_per_second;
  if (hw.threads <= 1 || w.task_sum <= 0 || w.task_sum - w.task_max < kParallelWeightMin) return serial + w.overhead;
  const double spread = min_of(1.0, w.task_sum / task_weight(w));
  const double threads = 1.0 + hw.parallel_efficiency * (hw.threads - 1);
  return serial * (1.0 - spread + spread * max_of(1.0 / threads, w.task_max / w.task_sum)) + kThreadStartSeconds +
         w.overhead;
}

/// One part of a normalized matrix, as the cost model sees it.
struct part_shape {
  double source_rows = 0;  // n_k
  double source_cols = 0;  // columns it provides
  double nonzeros = 0;     // stored values in those columns (n_k * d_k when dense)
  double taken_rows = 0;   // target rows it fills (sum of the multiplicities)
  bool sparse = false;
  bool block_rows = false;  // identity or offset: no gather
  /// Indexed rows that never go back (a row selection of a block source, a
  /// join on sorted keys): its gathers and scatters walk the source as a stream.
  bool ordered_rows = false;
  /// Parts with the same indicator share a group (an alias's dense and one-hot
  /// columns): the crossprod pairs them on their source rows, and makes one
  /// pass over the target rows per pair of groups. -1: a group of its own.
  int group = -1;
};

/// Accesses to a part's source rows through its indicator: random, or near
/// ones where the indicator never goes back (the prefetcher streams them).
constexpr void add_row_access(work& w, const part_shape& p, double accesses, double table_bytes) {
  if (p.ordered_rows)
    w.near += accesses;
  else
    add_random(w, accesses, table_bytes);
}

/// The target T.
struct target_shape {
  double rows = 0;
  double cols = 0;
  double nonzeros = 0;
};

namespace cost_detail {
constexpr bool is_product(operation op) {
  return op == operation::multiply || op == operation::transpose_multiply || op == operation::left_multiply ||
         op == operation::left_multiply_transpose || op == operation::row_sums || op == operation::col_sums;
}
constexpr double value_bytes(const part_shape& p) { return (p.sparse ? 12.0 : 8.0) * p.nonzeros; }
/// A dense column-major product into an r-row result re-reads and re-writes
/// it once per block of columns: Eigen 3.4's GEMV takes all of them below 128
/// columns, else 16 at a time where a column is under 32,000 bytes, else 4.
constexpr double output_passes(operation op, double rows, double cols, double m) {
  const bool row_output = op == operation::multiply || op == operation::row_sums ||
                          op == operation::left_multiply_transpose;
  const double blocks = cols < 128.0 ? 1.0 : cols / (8.0 * rows < 32000.0 ? 16.0 : 4.0);
  return row_output ? 16.0 * rows * m * blocks : 0.0;
}
/// A pass over target rows that pairs two parts reads both rows' indices and
/// the weight, and branches, per row: about this many near accesses.
inline constexpr double kRowStepAccesses = 3.0;
/// Scattering part a's rows onto part b's (a dense n_b x d_a result), then
/// the product with S_b: one off-diagonal crossprod block.
constexpr work scatter_work(const part_shape& a, const part_shape& b, double shared, double row_steps) {
  work w;
  const double per_row = a.source_rows > 0 ? a.nonzeros / a.source_rows : 0;
  const double z_bytes = 8.0 * b.source_rows * a.source_cols;
  add_row_access(w, b, shared * per_row, z_bytes);  // Z's rows are b's source rows
  w.flops = 2.0 * shared * per_row + 2.0 * (b.sparse ? b.nonzeros : b.source_rows * b.source_cols) * a.source_cols;
  w.near += kRowStepAccesses * row_steps;
  w.bytes = 16.0 * shared + z_bytes + value_bytes(b);
  w.footprint = z_bytes + value_bytes(a) + value_bytes(b);
  return w;
}
/// The same block by co-occurrence: each shared target row adds the products
/// of a's entries with b's into a small d_a x d_b block (no Z).
constexpr work cooccurrence_work(const part_shape& a, const part_shape& b, double shared, double row_steps) {
  work w;
  const double per_a = a.source_rows > 0 ? a.nonzeros / a.source_rows : 0;
  const double per_b = b.source_rows > 0 ? b.nonzeros / b.source_rows : 0;
  const double pairs = shared * per_a * per_b;
  w.flops = 2.0 * pairs;
  add_random(w, pairs + shared * (per_a + per_b), 8.0 * a.source_cols * b.source_cols);
  w.flops += 4.0 * shared * (per_a + per_b);  // each entry read through its row
  w.near += kRowStepAccesses * row_steps;
  w.bytes = 16.0 * shared + value_bytes(a) + value_bytes(b);
  w.footprint = value_bytes(a) + value_bytes(b) + 8.0 * a.source_cols * b.source_cols;
  return w;
}
/// How the crossprod pairs two groups of parts in one pass over their shared
/// target rows: scatter one group onto the other's source rows, or (both
/// with few entries a row) co-occurrence. The kernel takes the way this
/// picks, and the cost model prices it, so the two cannot drift apart.
enum class pair_way { scatter_first, scatter_second, cooccurrence };
struct pair_plan {
  pair_way way;
  work cost;
};
constexpr pair_plan plan_pair(const part_shape& a, const part_shape& b, double shared, double row_steps) {
  const work ab = scatter_work(a, b, shared, row_steps), ba = scatter_work(b, a, shared, row_steps);
  const work co = cooccurrence_work(a, b, shared, row_steps);
  const bool first = task_weight(ab) <= task_weight(ba);
  const work& scatter = first ? ab : ba;
  if (task_weight(co) < task_weight(scatter)) return {pair_way::cooccurrence, co};
  return {first ? pair_way::scatter_first : pair_way::scatter_second, scatter};
}
/// A group's parts as one part: their columns side by side on the group's source rows.
constexpr part_shape group_shape(const part_shape* parts, std::size_t count, std::size_t k) {
  part_shape g = parts[k];
  if (g.group < 0) return g;
  for (std::size_t j = k + 1; j < count; ++j)
    if (parts[j].group == g.group) {
      g.source_cols += parts[j].source_cols;
      g.nonzeros += parts[j].nonzeros;
      g.sparse = g.sparse || parts[j].sparse;
    }
  return g;
}
/// The pair of groups whose first parts are a and b, over their shared target rows.
constexpr pair_plan plan_groups(const part_shape* parts, std::size_t count, std::size_t a, std::size_t b) {
  const part_shape g = group_shape(parts, count, a), h = group_shape(parts, count, b);
  const double shared = min_of(g.taken_rows, h.taken_rows);
  return plan_pair(g, h, shared, shared);
}
/// Is part k the first of its group? (Its pairs pay the group's pass over the target rows.)
constexpr bool first_of_group(const part_shape* parts, std::size_t k) {
  if (parts[k].group < 0) return true;
  for (std::size_t j = 0; j < k; ++j)
    if (parts[j].group == parts[k].group) return false;
  return true;
}
/// Two parts on one indicator: S_a^T diag(I^T w) S_b on their source rows.
constexpr work shared_rows_work(const part_shape& a, const part_shape& b) {
  work w;
  const double per_a = a.source_rows > 0 ? a.nonzeros / a.source_rows : 0;
  const double per_b = b.source_rows > 0 ? b.nonzeros / b.source_rows : 0;
  w.flops = 2.0 * a.source_rows * per_a * per_b;
  w.bytes = value_bytes(a) + value_bytes(b) + 8.0 * a.source_rows;
  w.footprint = value_bytes(a) + value_bytes(b);
  return w;
}
}  // namespace cost_detail

/// Work of the factorized operator (X has m columns; m = 1 for the aggregates).
constexpr work factorized_work(operation op, const part_shape* parts, std::size_t count, const target_shape& t,
                               double m) {
  work w;
  if (cost_detail::is_product(op)) {
    w.bytes += 8.0 * t.rows * m;  // the n-sized side: zeroed output or the input read
    w.footprint += 8.0 * t.rows * m;
    w.overhead = kProductCallSeconds;
    // T X runs each gathered part's S_k X as a task, then T's rows in blocks
    // (a dense block part's product, every gather); the other products run
    // one task per part (group), its scatter included. Parts on one indicator
    // share its gather or scatter (factorized_operators.hpp).
    const bool row_output = op == operation::multiply || op == operation::row_sums ||
                            op == operation::left_multiply_transpose;
    for (std::size_t k = 0; k < count; ++k) {
      const part_shape& p = parts[k];
      work source, rows;
      source.flops = 2.0 * p.nonzeros * m;
      source.bytes = cost_detail::value_bytes(p) + 8.0 * p.source_cols * m;
      if (!p.sparse)
        source.bytes += cost_detail::output_passes(op, p.source_rows, p.source_cols, m);
      else  // indexed access to X, as for a materialized CSR T
        add_random(source, p.nonzeros * m, 8.0 * p.source_cols * m);
      source.footprint = cost_detail::value_bytes(p);
      if (p.block_rows) {
        rows.bytes = 16.0 * p.source_rows * m;
      } else {
        rows.bytes = 8.0 * p.source_rows * m;  // the group's temporary on its source rows
        if (cost_detail::first_of_group(parts, k)) {  // one gather or scatter per indicator, for all its parts
          rows.bytes += 8.0 * p.taken_rows;
          rows.footprint = 8.0 * p.taken_rows;
          add_row_access(rows, p, p.taken_rows * m, 8.0 * p.source_rows * m);
        }
      }
      if (!row_output) {
        add_task(source, rows);
        add_task(w, source);
      } else if (p.block_rows && !p.sparse) {
        add_task(rows, source);
        add_row_blocks(w, rows, t.rows);
      } else {
        add_task(w, source);
        add_row_blocks(w, rows, t.rows);
      }
    }
    return w;
  }
  if (op == operation::col_variances) {
    // The means (T^T 1), then the centred squares: part by part, serially
    // (factorized::col_sums and col_variances loop over the parts). A CSR
    // part adds into its column of the means per stored value, and its
    // squares read the column's target entry and mean and add into its sum.
    for (std::size_t k = 0; k < count; ++k) {
      const part_shape& p = parts[k];
      work pass;
      pass.flops = 2.0 * p.nonzeros;
      pass.bytes = cost_detail::value_bytes(p);
      pass.footprint = cost_detail::value_bytes(p);
      if (!p.block_rows) {
        add_row_access(pass, p, p.taken_rows, 8.0 * p.source_rows);  // the multiplicities
        pass.bytes += 8.0 * p.taken_rows;
      }
      work squares = pass;
      squares.footprint = 0;  // the same bytes again
      if (p.sparse) {
        add_random(pass, p.nonzeros, 8.0 * p.source_cols);
        add_random(squares, 3.0 * p.nonzeros, 8.0 * p.source_cols);
      }
      add_serial(w, pass);
      add_serial(w, squares);
    }
    return w;
  }
  // crossprod: each part's own Gram block, then each pair once.
  const bool weighted = op == operation::weighted_crossprod;
  for (std::size_t a = 0; a < count; ++a) {
    const part_shape& p = parts[a];
    work own;
    own.flops = p.nonzeros * (p.sparse ? p.nonzeros / max_of(1.0, p.source_rows)
                                       : p.source_cols + gram_cell_flops(p.source_cols));
    own.bytes = cost_detail::value_bytes(p) * (p.block_rows && !weighted ? 1.0 : 2.0);
    own.footprint = cost_detail::value_bytes(p);
    if (!p.block_rows) add_row_access(own, p, p.taken_rows, 8.0 * p.source_rows);  // the multiplicities I^T w
    add_task(w, own);
    for (std::size_t b = a + 1; b < count; ++b)
      if (p.group >= 0 && p.group == parts[b].group) add_task(w, cost_detail::shared_rows_work(p, parts[b]));
    // Each pair of groups: one pass over their shared target rows for all their blocks.
    if (!cost_detail::first_of_group(parts, a)) continue;
    for (std::size_t b = a + 1; b < count; ++b)
      if ((p.group < 0 || p.group != parts[b].group) && cost_detail::first_of_group(parts, b))
        add_task(w, cost_detail::plan_groups(parts, count, a, b).cost);
  }
  if (weighted) w.bytes += 8.0 * t.rows;
  return w;
}

/// Work of the operator on a materialized T (dense, or CSR when `sparse`).
constexpr work materialized_work(operation op, const target_shape& t, bool sparse, double m) {
  work w;
  const double cells = sparse ? t.nonzeros : t.rows * t.cols;
  const double bytes = sparse ? 12.0 * t.nonzeros + 4.0 * t.rows : 8.0 * t.rows * t.cols;
  w.footprint = bytes + 8.0 * t.rows * m;
  if (cost_detail::is_product(op)) {
    w.flops = 2.0 * cells * m;
    // No output passes for a dense T (unlike a dense part above): bench_grid
    // measured T x streaming T at the rate of T^T y, 0.11-0.14 ns per cell.
    w.bytes = bytes + 8.0 * (t.rows + t.cols) * m;
    if (sparse) add_random(w, t.nonzeros * m, 8.0 * t.cols * m);  // indexed access to X
    return w;
  }
  if (op == operation::col_variances) {
    w.flops = 4.0 * cells;
    w.bytes = 2.0 * bytes;
    if (sparse) add_random(w, t.nonzeros, 8.0 * t.cols);
    return w;
  }
  const bool weighted = op == operation::weighted_crossprod;
  if (sparse) {
    // Sparse T^T T: every pair of non-zeros in a row meets once.
    const double per_row = t.rows > 0 ? t.nonzeros / t.rows : 0;
    const double pairs = t.rows * per_row * (per_row + 1.0) / 2.0;  // one triangle, mirrored after
    w.flops = 2.0 * pairs;
    add_random(w, pairs, 4.0 * t.cols * (t.cols + 1.0));  // the entries the kernel adds into: one triangle
    w.bytes = 2.0 * bytes + 8.0 * t.cols * t.cols;
  } else {
    w.flops = (weighted ? 2.0 : 1.0) * t.rows * t.cols * t.cols + gram_cell_flops(t.cols) * t.rows * t.cols;
    w.bytes = (weighted ? 3.0 : 1.0) * bytes;
  }
  return w;
}

/// Work of building T from the parts (dense, or CSR when `sparse`). Its
/// arrays are new memory: the first build in a process faults every page.
constexpr work build_work(const part_shape* parts, std::size_t count, const target_shape& t, bool sparse) {
  work w;
  if (sparse) {
    // assembly::sparse: a counting pass and a filling pass over the parts, then a check of each row's order.
    w.bytes = 32.0 * t.nonzeros + 24.0 * t.rows;
    w.random = 2.0 * t.nonzeros;
    w.flops = t.nonzeros;
    w.footprint = w.bytes;
    w.fresh = 12.0 * t.nonzeros + 12.0 * t.rows;  // values, columns, row starts and the row cursors
    return w;
  }
  w.bytes = 8.0 * t.rows * t.cols;  // zeroing
  w.footprint = w.bytes;
  w.fresh = w.bytes;
  for (std::size_t k = 0; k < count; ++k) {
    const part_shape& p = parts[k];
    const double cells = p.taken_rows * p.source_cols;
    w.bytes += 8.0 * cells;
    if (!p.block_rows || p.sparse) add_row_access(w, p, cells, cost_detail::value_bytes(p));
  }
  return w;
}

}  // namespace amalur
