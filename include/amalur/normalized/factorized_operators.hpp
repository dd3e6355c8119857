#pragma once
// The factorized operators of a normalized matrix T: each sums the part
// kernels (operators/part_kernels.hpp) over T's parts, accumulating into
// the caller's destination, so no result is zero-filled twice and Eigen's
// `y += T * x` costs no temporary. T is anything with Scalar, rows(),
// cols(), for_each_part and context() (both faces). Shapes are checked by
// the callers. Each runs on the context's threads, cut so that every thread
// count gives the same bits (execution/parallel.hpp).

#include "amalur/core/config.hpp"
#include "amalur/core/operation.hpp"
#include "amalur/cost/counts.hpp"
#include "amalur/execution/parallel.hpp"
#include "amalur/metadata/layout.hpp"
#include "amalur/operators/part_kernels.hpp"
#include "amalur/operators/row_groups.hpp"
#include "amalur/operators/statistics.hpp"

namespace amalur::factorized {

namespace detail {
template <class T>
index_t part_count(const T& t) {
  index_t n = 0;
  t.for_each_part([&](const auto&, const auto&, const part_layout&) { ++n; });
  return n;
}

/// Calls f(source, indicator, layout) for part k alone.
template <class T, class F>
void visit_part(const T& t, index_t k, F&& f) {
  index_t i = 0;
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
    if (i++ == k) f(s, r, p);
  });
}
template <class T>
int threads_of(const T& t) {
  return t.context()->threads();
}
/// Entries each part stores (its work per column of X), in part order.
template <class T>
std::vector<double> part_entries(const T& t) {
  std::vector<double> out;
  t.for_each_part([&](const auto& s, const auto&, const part_layout&) {
    out.push_back(is_sparse_v<std::decay_t<decltype(s)>> ? static_cast<double>(s.nonZeros())
                                                          : static_cast<double>(s.rows()) * static_cast<double>(s.cols()));
  });
  return out;
}
/// The threads worth using for one task per part (see threads_worth).
template <class T>
int part_threads(const T& t, double columns = 1) {
  std::vector<double> work = part_entries(t);
  for (double& w : work) w *= columns;
  return threads_worth(work, threads_of(t));
}
/// T's parts grouped by indicator: each part's layout and group, and each group's parts in order.
struct part_groups {
  std::vector<const part_layout*> layouts;
  std::vector<std::vector<index_t>> members;
  std::vector<index_t> group_of;
};
template <class T>
part_groups group_parts(const T& t) {
  part_groups g;
  std::vector<kernels::indicator_key> keys;
  t.for_each_part([&](const auto&, const auto& r, const part_layout& p) {
    const kernels::indicator_key key = kernels::key_of(r);
    index_t group = static_cast<index_t>(g.members.size());
    for (std::size_t k = 0; k < keys.size(); ++k)
      if (keys[k] == key) group = g.group_of[k];
    if (group == static_cast<index_t>(g.members.size())) g.members.emplace_back();
    g.members[static_cast<std::size_t>(group)].push_back(static_cast<index_t>(keys.size()));
    g.group_of.push_back(group);
    g.layouts.push_back(&p);
    keys.push_back(key);
  });
  return g;
}

/// Entries each group of parts stores, times `columns`: a group task's work.
template <class T>
std::vector<double> group_entries(const T& t, const part_groups& groups, double columns) {
  const std::vector<double> entries = part_entries(t);
  std::vector<double> work(groups.members.size(), 0.0);
  for (std::size_t k = 0; k < entries.size(); ++k)
    work[static_cast<std::size_t>(groups.group_of[k])] += entries[k] * columns;
  return work;
}

/// A dense or CSR source whose rows are a block of T's: its product rows
/// are computed in T's row blocks, into T X's own rows (no n-sized product to gather).
template <class S, class Rows>
constexpr bool cut_with_rows = (!is_sparse_v<S> || std::is_same_v<S, csr_matrix<typename S::Scalar>>) && Rows::is_block;

/// Each part's contribution computed by `contribute(part, private out)` in
/// parallel, then added to `out` in part order: the same bits for any thread count.
template <class T, class Contribute>
void add_per_part(const T& t, dense_mref<typename T::Scalar> out, Contribute&& contribute) {
  using Scalar = typename T::Scalar;
  const index_t parts = part_count(t);
  std::vector<dense_matrix<Scalar>> own(static_cast<std::size_t>(parts));
  parallel_tasks(parts, part_threads(t, static_cast<double>(out.rows())), [&](index_t k) {
    auto& mine = own[static_cast<std::size_t>(k)];
    mine = dense_matrix<Scalar>::Zero(out.rows(), out.cols());
    visit_part(t, k, [&](const auto& s, const auto& r, const part_layout& p) { contribute(s, r, p, dense_mref<Scalar>(mine)); });
  });
  for (const auto& mine : own) out += mine;
}
}  // namespace detail

/// out (n x m) += T X. Parts whose rows are gathered are summed per indicator
/// first, Y_g = sum over the group of S_k (M_k^T X) on its source rows (in
/// parallel over groups), so each indicator is gathered once for all its
/// parts; then T's rows in fixed blocks, each adding every group's gathered
/// rows and every block part's own rows, in part order.
template <class T>
void add_multiply(const T& t, const dense_cref<typename T::Scalar>& x, dense_mref<typename T::Scalar> out) {
  using Scalar = typename T::Scalar;
  const detail::part_groups groups = detail::group_parts(t);
  const index_t parts = static_cast<index_t>(groups.layouts.size()), count = static_cast<index_t>(groups.members.size());
  std::vector<dense_matrix<Scalar>> mapped(static_cast<std::size_t>(parts)), y(static_cast<std::size_t>(count));
  const std::vector<double> work = detail::group_entries(t, groups, static_cast<double>(x.cols()));
  std::vector<index_t> gather_at(static_cast<std::size_t>(count), -1);  // the part whose turn gathers its group
  index_t part = 0;
  t.for_each_part([&](const auto& s, const auto& r, const part_layout&) {
    const auto g = static_cast<std::size_t>(groups.group_of[static_cast<std::size_t>(part)]);
    if constexpr (!detail::cut_with_rows<std::decay_t<decltype(s)>, std::decay_t<decltype(r)>>)
      if (gather_at[g] < 0) gather_at[g] = part;
    ++part;
  });
  parallel_tasks_by_work(work, detail::threads_of(t), [&](index_t g) {
    for (const index_t k : groups.members[static_cast<std::size_t>(g)])
      detail::visit_part(t, k, [&](const auto& s, const auto& r, const part_layout& p) {
        auto& copy = mapped[static_cast<std::size_t>(k)];
        const dense_cref<Scalar> xs = kernels::detail::mapped_rows(p, x, copy);
        if constexpr (!detail::cut_with_rows<std::decay_t<decltype(s)>, std::decay_t<decltype(r)>>) {
          auto& yg = y[static_cast<std::size_t>(g)];
          if (gather_at[static_cast<std::size_t>(g)] == k) yg = dense_matrix<Scalar>::Zero(s.rows(), x.cols());
          kernels::add_times(s, xs, yg);
        }
      });
  });
  parallel_rows(t.rows(), detail::threads_of(t), [&](index_t begin, index_t end) {
    index_t k = 0;
    t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      const auto g = static_cast<std::size_t>(groups.group_of[static_cast<std::size_t>(k)]);
      const bool gathers = gather_at[g] == k;
      const dense_cref<Scalar> xs = p.block_target >= 0 ? dense_cref<Scalar>(x.middleRows(p.block_target, p.source_cols))
                                                        : dense_cref<Scalar>(mapped[static_cast<std::size_t>(k)]);
      ++k;
      if constexpr (detail::cut_with_rows<std::decay_t<decltype(s)>, std::decay_t<decltype(r)>>) {
        const index_t first = std::max(begin, r.offset()), last = std::min(end, r.offset() + r.source_rows());
        if (first >= last) return;
        if constexpr (is_sparse_v<std::decay_t<decltype(s)>>)
          kernels::detail::csr_rows_times<Scalar>(s, first - r.offset(), xs, out.middleRows(first, last - first));
        else
          kernels::add_times(s.middleRows(first - r.offset(), last - first), xs, out.middleRows(first, last - first));
      } else if (gathers) {
        kernels::gather_rows_add(r, y[g], out, begin, end);
      }
    });
  });
}

/// out (d x m) += T^T X, in parallel over groups of parts that share an
/// indicator: each group scatters X onto its source rows once (I^T X), then
/// each of its parts adds M S^T (I^T X); groups are added in order.
template <class T>
void add_transpose_multiply(const T& t, const dense_cref<typename T::Scalar>& x,
                            dense_mref<typename T::Scalar> out) {
  using Scalar = typename T::Scalar;
  const detail::part_groups groups = detail::group_parts(t);
  const index_t count = static_cast<index_t>(groups.members.size());
  std::vector<dense_matrix<Scalar>> own(static_cast<std::size_t>(count));
  // Per group: its parts, and the scatter of a gathered indicator.
  std::vector<double> work = detail::group_entries(t, groups, static_cast<double>(x.cols()));
  for (index_t g = 0; g < count; ++g) {
    const auto& members = groups.members[static_cast<std::size_t>(g)];
    detail::visit_part(t, members.front(), [&](const auto&, const auto& r, const part_layout&) {
      if constexpr (!std::decay_t<decltype(r)>::is_block)
        work[static_cast<std::size_t>(g)] += static_cast<double>(t.rows()) * static_cast<double>(x.cols());
    });
  }
  parallel_tasks_by_work(work, detail::threads_of(t), [&](index_t g) {
    const auto& members = groups.members[static_cast<std::size_t>(g)];
    auto& mine = own[static_cast<std::size_t>(g)];
    mine = dense_matrix<Scalar>::Zero(out.rows(), out.cols());
    dense_matrix<Scalar> scattered;  // I^T X of the group, once
    bool have_scattered = false;
    for (const index_t k : members)
      detail::visit_part(t, k, [&](const auto& s, const auto& r, const part_layout& p) {
        const auto add = [&](const dense_cref<Scalar>& z) {
          kernels::detail::add_mapped_rows<Scalar>(p, x.cols(), mine,
                                                   [&](dense_mref<Scalar> dst) { kernels::add_transpose_times(s, z, dst); });
        };
        if constexpr (std::decay_t<decltype(r)>::is_block) {
          add(x.middleRows(r.offset(), r.source_rows()));
        } else {
          if (!have_scattered) scattered = kernels::scatter_rows(r, x);
          have_scattered = true;
          add(scattered);
        }
      });
  });
  for (const auto& mine : own) out += mine;
}

/// out (m x d) += X T, in parallel over parts.
template <class T>
void add_left_multiply(const T& t, const dense_cref<typename T::Scalar>& x, dense_mref<typename T::Scalar> out) {
  using Scalar = typename T::Scalar;
  if (x.rows() == 1) {
    // One row: (T^T x^T)^T runs matrix-vector kernels, not a one-row GEMM.
    dense_vector<Scalar> column = dense_vector<Scalar>::Zero(t.cols());
    if (x.outerStride() == 1)  // a contiguous row is a column already
      add_transpose_multiply(t, Eigen::Map<const dense_matrix<Scalar>>(x.data(), x.cols(), 1), column);
    else
      add_transpose_multiply(t, dense_vector<Scalar>(x.transpose()), column);
    out.row(0) += column.transpose();
    return;
  }
  detail::add_per_part(t, out, [&](const auto& s, const auto& r, const part_layout& p, dense_mref<Scalar> mine) {
    kernels::left_multiply(s, r, p, x, mine);
  });
}

/// out (m x n) += X T^T: (T X^T)^T, the same kernels and cuts as T X.
template <class T>
void add_left_multiply_transpose(const T& t, const dense_cref<typename T::Scalar>& x,
                                 dense_mref<typename T::Scalar> out) {
  using Scalar = typename T::Scalar;
  const dense_matrix<Scalar> xt = x.transpose();
  if (out.rows() == 1 && out.outerStride() == 1) {  // one contiguous row: T x^T goes straight into it
    add_multiply(t, xt, Eigen::Map<dense_matrix<Scalar>>(out.data(), out.cols(), 1));
    return;
  }
  dense_matrix<Scalar> column = dense_matrix<Scalar>::Zero(t.rows(), x.rows());
  add_multiply(t, xt, column);
  out += column.transpose();
}

/// out += op(T, X) for one of the four products, chosen at compile time.
template <operation Op, class T>
void add_product(const T& t, const dense_cref<typename T::Scalar>& x, dense_mref<typename T::Scalar> out) {
  if constexpr (Op == operation::multiply)
    add_multiply(t, x, out);
  else if constexpr (Op == operation::transpose_multiply)
    add_transpose_multiply(t, x, out);
  else if constexpr (Op == operation::left_multiply)
    add_left_multiply(t, x, out);
  else
    add_left_multiply_transpose(t, x, out);
}

namespace detail {
/// One block of the crossprod: part a's columns by part b's.
template <class Scalar>
struct cross_entry {
  index_t a, b;
  dense_matrix<Scalar> block;
};

/// The blocks between two groups of parts in one pass over the target rows:
/// the group cheaper to scatter goes onto the other's source rows, then each
/// part there gives S_b^T Z (operators/row_groups.hpp); or, where both groups
/// have few entries per row, co-occurrence gives every block with no Z.
template <class T>
std::vector<cross_entry<typename T::Scalar>> group_blocks(const T& t, const std::vector<index_t>& g,
                                                          const std::vector<index_t>& h,
                                                          const typename T::Scalar* w,
                                                          const std::vector<part_shape>& shapes) {
  using Scalar = typename T::Scalar;
  // The way the cost model prices (cost/counts.hpp), from the shapes only: the same on every thread count.
  const cost_detail::pair_way way =
      cost_detail::plan_groups(shapes.data(), shapes.size(), static_cast<std::size_t>(g.front()),
                               static_cast<std::size_t>(h.front()))
          .way;
  const bool by_cooccurrence = way == cost_detail::pair_way::cooccurrence;
  const auto& scattered = way == cost_detail::pair_way::scatter_second ? h : g;
  const auto& onto = way == cost_detail::pair_way::scatter_second ? g : h;
  auto readers_of = [&](const std::vector<index_t>& parts, std::vector<csr_matrix<Scalar>>& keep, index_t& width) {
    std::vector<kernels::row_reader<Scalar>> readers;
    keep.resize(parts.size());
    width = 0;
    for (std::size_t k = 0; k < parts.size(); ++k)
      visit_part(t, parts[k], [&](const auto& s, const auto&, const part_layout&) {
        readers.push_back(kernels::reader_of(s, width, keep[k]));
        width += s.cols();
      });
    return readers;
  };
  std::vector<csr_matrix<Scalar>> keep, keep_onto;
  index_t width = 0, width_onto = 0;
  const auto readers = readers_of(scattered, keep, width);
  std::vector<cross_entry<Scalar>> out;
  if (by_cooccurrence) {
    const auto onto_readers = readers_of(onto, keep_onto, width_onto);
    dense_matrix<Scalar> block;  // scattered x onto
    visit_part(t, scattered.front(), [&](const auto&, const auto& ra, const part_layout&) {
      visit_part(t, onto.front(), [&](const auto&, const auto& rb, const part_layout&) {
        block = kernels::cooccurrence_group(readers, width, onto_readers, width_onto, ra, rb, w);
      });
    });
    for (std::size_t l = 0; l < onto.size(); ++l)
      for (std::size_t k = 0; k < scattered.size(); ++k)
        out.push_back({onto[l], scattered[k],
                       block.block(readers[k].column_offset, onto_readers[l].column_offset, readers[k].cols,
                                   onto_readers[l].cols)
                           .transpose()});
    return out;
  }
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> z;
  visit_part(t, scattered.front(), [&](const auto&, const auto& ra, const part_layout&) {
    visit_part(t, onto.front(), [&](const auto&, const auto& rb, const part_layout&) {
      z = kernels::scatter_group(readers, width, ra, rb, w);
    });
  });
  for (index_t b : onto)
    visit_part(t, b, [&](const auto& sb, const auto&, const part_layout&) {
      const auto product = kernels::transpose_times_rows(sb, z);  // S_b^T Z
      for (std::size_t k = 0; k < scattered.size(); ++k)
        out.push_back({b, scattered[k], product.middleCols(readers[k].column_offset, readers[k].cols)});
    });
  return out;
}
}  // namespace detail

/// out (d x d) += T^T diag(w) T (w null: T^T T). Parts are grouped by their
/// indicator (an alias's dense and one-hot columns share one): each part's
/// own block, each pair within a group (S_a^T diag(I^T w) S_b, no pass over
/// the target rows) and each pair of groups (one scatter pass for all their
/// blocks) is a task; tasks run in parallel and are added in a fixed order.
template <class T>
void add_crossprod(const T& t, const typename T::Scalar* w, dense_mref<typename T::Scalar> out) {
  using Scalar = typename T::Scalar;
  const detail::part_groups groups = detail::group_parts(t);
  const index_t parts = static_cast<index_t>(groups.layouts.size());
  const std::vector<part_shape> shapes = t.part_shapes();  // measured once per matrix, shared by copies
  struct task {
    index_t a, b;
    bool between_groups;
  };
  std::vector<task> tasks;
  std::vector<std::size_t> own_task(static_cast<std::size_t>(parts));  // the task of each part's own block
  for (index_t a = 0; a < parts; ++a)
    for (index_t b = a; b < parts; ++b)
      if (groups.group_of[static_cast<std::size_t>(a)] == groups.group_of[static_cast<std::size_t>(b)]) {
        if (a == b) own_task[static_cast<std::size_t>(a)] = tasks.size();
        tasks.push_back({a, b, false});
      }
  const index_t count = static_cast<index_t>(groups.members.size());
  for (index_t g = 0; g < count; ++g)
    for (index_t h = g + 1; h < count; ++h) tasks.push_back({g, h, true});
  // c = I^T w once per group, shared by its parts' own blocks and their pairs;
  // none for a block indicator without w (every source row once, unweighted).
  const int threads = detail::threads_of(t);
  // The work of each step's tasks, from the shapes (see threads_worth): a
  // pass over the target rows per group's weights and per pair of groups.
  const double n = static_cast<double>(t.rows());
  std::vector<double> entries, per_row, group_per_row(static_cast<std::size_t>(count), 0.0),
      weights_work(static_cast<std::size_t>(count), n);
  for (std::size_t k = 0; k < shapes.size(); ++k) {
    const part_shape& p = shapes[k];
    const auto g = static_cast<std::size_t>(groups.group_of[k]);
    entries.push_back(p.nonzeros);
    per_row.push_back(p.source_rows > 0 ? p.nonzeros / p.source_rows : 0.0);
    group_per_row[g] += per_row.back();
    if (p.block_rows) weights_work[g] = 0;  // a pointer into w, or none: nothing to gather
  }
  std::vector<double> task_work;
  for (const task& tk : tasks) {
    const auto a = static_cast<std::size_t>(tk.a), b = static_cast<std::size_t>(tk.b);
    task_work.push_back(tk.between_groups ? n * (1.0 + group_per_row[a] + group_per_row[b])
                                          : entries[a] * (tk.a == tk.b ? per_row[a] : 1.0) + entries[b]);
  }
  // A group of one dense and one CSR part (an alias's numeric and one-hot
  // columns): the CSR part's own task also gives the pair's block, from one
  // pass over the CSR part (kernels::gram_with_dense_block), and the pair's
  // task has nothing left to do. Each block still lands in its own task's
  // slot of `results`, so the blocks are added in the same order.
  std::vector<index_t> also_pair(tasks.size(), -1);
  std::vector<char> done_elsewhere(tasks.size(), 0);
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    const task& tk = tasks[k];
    if (tk.between_groups || tk.a == tk.b) continue;
    const auto a = static_cast<std::size_t>(tk.a), b = static_cast<std::size_t>(tk.b);
    const auto& members = groups.members[static_cast<std::size_t>(groups.group_of[a])];
    if (members.size() != 2 || shapes[a].sparse == shapes[b].sparse) continue;
    const std::size_t own = own_task[shapes[a].sparse ? a : b];
    also_pair[own] = static_cast<index_t>(k);
    done_elsewhere[k] = 1;
    task_work[own] += task_work[k];
    task_work[k] = 0;
  }
  // Each group's weights on its source rows: none (unit), w's own entries (a block indicator), or gathered.
  std::vector<dense_vector<Scalar>> weights(static_cast<std::size_t>(count));
  std::vector<const Scalar*> weights_at(static_cast<std::size_t>(count), nullptr);
  parallel_tasks_by_work(weights_work, threads, [&](index_t g) {
    const auto k = static_cast<std::size_t>(g);
    detail::visit_part(t, groups.members[k].front(), [&](const auto&, const auto& r, const part_layout&) {
      if constexpr (std::decay_t<decltype(r)>::is_block) {
        if (w) weights_at[k] = w + r.offset();  // no copy of an n-sized vector
      } else {
        weights[k] = kernels::row_weights<std::decay_t<decltype(r)>, Scalar>(r, w);
        weights_at[k] = weights[k].data();
      }
    });
  });
  const auto weights_of = [&](index_t part) {
    return weights_at[static_cast<std::size_t>(groups.group_of[static_cast<std::size_t>(part)])];
  };
  std::vector<std::vector<detail::cross_entry<Scalar>>> results(tasks.size());
  parallel_tasks_by_work(task_work, threads, [&](index_t k) {
    const task tk = tasks[static_cast<std::size_t>(k)];
    auto& result = results[static_cast<std::size_t>(k)];
    if (tk.between_groups) {
      result = detail::group_blocks(t, groups.members[static_cast<std::size_t>(tk.a)],
                                    groups.members[static_cast<std::size_t>(tk.b)], w, shapes);
      return;
    }
    if (done_elsewhere[static_cast<std::size_t>(k)]) return;
    const Scalar* c = weights_of(tk.a);
    detail::visit_part(t, tk.a, [&](const auto& sa, const auto&, const part_layout&) {
      const index_t pair = tk.a == tk.b ? also_pair[static_cast<std::size_t>(k)] : -1;
      if (pair >= 0) {
        const task pt = tasks[static_cast<std::size_t>(pair)];
        const index_t dense_part = pt.a == tk.a ? pt.b : pt.a;
        detail::visit_part(t, dense_part, [&](const auto& sd, const auto&, const part_layout&) {
          if constexpr (is_sparse_v<std::decay_t<decltype(sa)>> && !is_sparse_v<std::decay_t<decltype(sd)>>) {
            auto blocks = kernels::gram_with_dense_block(sa, sd, c);
            result.push_back({tk.a, tk.b, std::move(blocks.first)});
            results[static_cast<std::size_t>(pair)].push_back(
                {pt.a, pt.b,
                 pt.a == dense_part ? std::move(blocks.second) : dense_matrix<Scalar>(blocks.second.transpose())});
          } else {
            amalur::detail::fail<value_error>("crossprod: a fused pair is not a CSR and a dense part (an amalur bug)");
          }
        });
        return;
      }
      if (tk.a == tk.b) {
        result.push_back({tk.a, tk.b, kernels::weighted_gram(sa, c)});
        return;
      }
      detail::visit_part(t, tk.b, [&](const auto& sb, const auto&, const part_layout&) {
        result.push_back({tk.a, tk.b,
                          c ? kernels::shared_rows_block(sa, sb, Eigen::Map<const dense_vector<Scalar>>(c, sa.rows()))
                            : kernels::shared_rows_block(sa, sb, dense_vector<Scalar>::Ones(sa.rows()).eval())});
      });
    });
  });
  for (const auto& result : results)
    for (const auto& e : result)
      kernels::add_cross_block<Scalar>(*groups.layouts[static_cast<std::size_t>(e.a)],
                                       *groups.layouts[static_cast<std::size_t>(e.b)], e.block, e.a != e.b, out);
}

/// 1^T diag(w) T as a column vector (w null: the column sums): each part's
/// columns weighted by its rows' multiplicities I^T w, so no n-sized
/// vector of ones is written and read again, as T^T 1 would.
template <class T>
dense_vector<typename T::Scalar> col_sums(const T& t, const typename T::Scalar* w = nullptr) {
  using Scalar = typename T::Scalar;
  dense_vector<Scalar> out = dense_vector<Scalar>::Zero(t.cols());
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
    using Rows = std::decay_t<decltype(r)>;
    kernels::detail::add_mapped_rows<Scalar>(p, 1, out, [&](dense_mref<Scalar> dst) {
      if constexpr (Rows::is_block)
        if (!w) return kernels::add_column_sums(s, dst.col(0));
      kernels::add_transpose_times(s, kernels::row_weights<Rows, Scalar>(r, w), dst);
    });
  });
  return out;
}

/// Population column variances (ddof 0), centred: rows that no source
/// provides for a column count as zeros. With sample weights w (null: all
/// ones) the moments are weighted, as glmnet standardizes.
template <class T>
dense_vector<typename T::Scalar> col_variances(const T& t, const dense_vector<typename T::Scalar>* w = nullptr) {
  using Scalar = typename T::Scalar;
  const Scalar total = w ? w->sum() : static_cast<Scalar>(t.rows());
  dense_vector<Scalar> mean = col_sums(t, w ? w->data() : nullptr) / total;
  dense_vector<Scalar> squares = dense_vector<Scalar>::Zero(t.cols()), provided = dense_vector<Scalar>::Zero(t.cols());
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
    kernels::centred_squares(s, r, p, mean, w, squares, provided);
  });
  const dense_vector<Scalar> missing = dense_vector<Scalar>::Constant(t.cols(), total) - provided;
  return (squares.array() + missing.array() * mean.array().square()).matrix() / total;
}

/// ||row i||^2 for every row (n): per source row once, then gathered.
template <class T>
dense_vector<typename T::Scalar> row_squared_norms(const T& t) {
  using Scalar = typename T::Scalar;
  dense_vector<Scalar> out = dense_vector<Scalar>::Zero(t.rows());
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
    dense_matrix<Scalar> per_source = dense_matrix<Scalar>::Zero(s.rows(), 1);
    kernels::add_row_squared_norms(s, p, per_source.col(0));
    kernels::gather_rows_add(r, per_source, out);
  });
  return out;
}

/// Does any cell of T hold a negative value? (Visits T's non-zeros once.)
template <class T>
bool any_negative(const T& t) {
  using Scalar = typename T::Scalar;
  bool found = false;
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
    if (!found) kernels::for_each_entry(s, r, p, [&](index_t, index_t, Scalar v) { found = found || v < 0; });
  });
  return found;
}

}  // namespace amalur::factorized
