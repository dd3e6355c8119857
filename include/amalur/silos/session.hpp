#pragma once
// Silo mode end to end for one party: set-up (each party reads only its
// own tables; join keys cross once as keyed hashes; one-hot levels and row
// counts are agreed from per-silo summaries), then training or prediction.
// Every party calls the same function with its channel; the aggregator
// (rank 0) gets the result.
//
//   amalur::silos::thread_network net(plan.silos() + 1);  // or mpi_transport
//   amalur::silos::channel ch(net.at(rank), plan.parties, options);
//   auto report = amalur::silos::train(ch, spec);          // on rank 0

#include <chrono>
#include <optional>

#include "amalur/integration/model_file.hpp"
#include "amalur/integration/spec.hpp"
#include "amalur/silos/horizontal_glm.hpp"
#include "amalur/silos/keyed_hash.hpp"
#include "amalur/silos/placement.hpp"
#include "amalur/silos/vertical_glm.hpp"

namespace amalur::silos {

/// What the aggregator reports after training.
struct train_report {
  split mode = split::vertical;
  glm_fit fit;
  std::vector<std::string> names;             // coefficient names, in fit.coefficients' order
  std::vector<std::string> reference_levels;
  index_t rows = 0;
  std::map<std::string, index_t> unmatched;   // join alias -> unmatched target rows
  std::vector<index_t> party_rows;            // rows each party holds in its own tables
  double load_seconds = 0, prepare_seconds = 0, fit_seconds = 0;
  int conjugate_gradient_steps = 0;
};

/// What set-up leaves at one party.
struct party_state {
  std::map<std::string, io::table> tables;  // its own tables
  std::map<std::string, io::table> stubs;   // aggregator, vertical: empty stand-ins for silo aliases
  integration::integrated_rows rows;
  std::optional<integration::encoded_design> design;
  Eigen::VectorXd labels;
  index_t own_rows = 0;   // rows of its own tables
  double megabytes = 0, load_seconds = 0;
  // aggregator:
  std::vector<std::string> names, reference_levels;  // every party's, in rank order
  std::vector<index_t> party_sizes, party_rows;     // per rank
  index_t total_rows = 0;
  double label_sum = 0;  // horizontal: the label's sum over every silo
};

namespace detail {
using clock = std::chrono::steady_clock;
inline double seconds_since(clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); }

inline std::vector<key_hash> split_key(const hash_key_bytes& key) {
  std::vector<key_hash> out(2);
  std::memcpy(out[0].bytes, key.data(), 16);
  std::memcpy(out[1].bytes, key.data() + 16, 16);
  return out;
}
inline hash_key_bytes join_key(const message& m) {
  if (m.hashes.size() != 2) throw silo_failure("the aggregator sent a hash key of the wrong size");
  hash_key_bytes key;
  std::memcpy(key.data(), m.hashes[0].bytes, 16);
  std::memcpy(key.data() + 16, m.hashes[1].bytes, 16);
  return key;
}
inline bool counts_only(const integration::join_spec& j) {
  return j.kind == integration::join_kind::left && j.unmatched == integration::unmatched_policy::zeros;
}
inline std::string alias_of(const integration::join_spec& j) { return j.alias.empty() ? j.table : j.alias; }
inline std::vector<integration::feature_spec> features_of(const integration::spec& s, const placement& pl, int rank) {
  std::vector<integration::feature_spec> out;
  for (std::size_t k = 0; k < s.features.size(); ++k)
    if (pl.mode == split::horizontal || pl.feature_owner[k] == rank) out.push_back(s.features[k]);
  return out;
}
inline index_t rows_of(const std::map<std::string, io::table>& tables) {
  index_t n = 0;
  for (const auto& [name, t] : tables) n += t.rows;
  return n;
}

/// Aggregator: joins a silo's table through keyed hashes of the left keys.
/// The silo answers with match flags (inner, drop, error) or only the
/// unmatched count (left join with zeros); its row mapping stays with it.
inline void remote_join(channel& ch, int owner, party_state& me, const integration::join_spec& j,
                        const hash_key_bytes& key) {
  const std::string alias = alias_of(j);
  const integration::detail::left_side left = integration::detail::left_of(me.rows, j, alias);
  std::vector<std::string> request{alias};
  for (const io::column* c : left.columns) request.push_back(integration::detail::numeric(c->kind) ? "number" : "text");
  ch.send(owner, message::of(kind::join_request, request));
  std::vector<key_hash> hashes(static_cast<std::size_t>(me.rows.rows));
  for (index_t i = 0; i < me.rows.rows; ++i) {
    bool missing = false;
    const std::string k = left.key(i, missing);
    if (!missing) hashes[static_cast<std::size_t>(i)] = hash_of(k, key);
  }
  ch.send(owner, message::of(kind::join_keys, std::move(hashes)));
  if (counts_only(j)) {
    const double unmatched = ch.receive(owner, kind::join_matches).value();
    integration::detail::apply_join(me.rows, j, alias, nullptr, left, [](index_t i, auto& keep) -> index_t {
      keep(i);
      return 1;
    });
    me.rows.unmatched[alias] = static_cast<index_t>(unmatched);
    me.rows.matched[alias] = me.rows.rows - static_cast<index_t>(unmatched);
  } else {
    const message flags = ch.receive(owner, kind::join_matches);
    if (static_cast<index_t>(flags.rows) != me.rows.rows)
      throw silo_failure("silo '" + ch.name(owner) + "' sent " + std::to_string(flags.rows) + " match flags for " +
                         std::to_string(me.rows.rows) + " rows");
    integration::detail::apply_join(me.rows, j, alias, nullptr, left, [&](index_t i, auto& keep) -> index_t {
      if (flags.numbers[static_cast<std::size_t>(i)] == 0) return 0;
      keep(i);
      return 1;
    });
  }
  me.stubs[alias].name = j.table;
  me.rows.tables[alias] = &me.stubs[alias];
}

/// Silo: answers one remote join; returns the source row of each hashed key.
inline std::vector<index_t> answer_join(channel& ch, const party_state& me, const integration::join_spec& j,
                                        const hash_key_bytes& key) {
  const std::string alias = alias_of(j);
  const message request = ch.receive(0, kind::join_request);
  if (request.texts.empty() || request.texts[0] != alias || request.texts.size() != j.on.size() + 1)
    throw silo_failure("the aggregator asked for join '" + (request.texts.empty() ? "" : request.texts[0]) +
                       "' where join '" + alias + "' was expected");
  const io::table& right = me.tables.at(j.table);
  integration::detail::check_table_rows(right, alias);
  std::vector<bool> numeric;
  std::vector<std::string> names, kinds;
  for (std::size_t k = 0; k < j.on.size(); ++k) {
    numeric.push_back(request.texts[k + 1] == "number");
    names.push_back(j.on[k].first);
    kinds.push_back(numeric.back() ? "a number" : "text");
  }
  const auto right_cols = integration::detail::right_keys(right, j, alias, numeric, names, kinds);
  std::unordered_map<key_hash, std::vector<index_t>, key_hash_hasher> index;
  integration::detail::index_right(index, right_cols, right.rows, j, alias,
                                   [&](const std::string& k) { return hash_of(k, key); });
  const message keys = ch.receive(0, kind::join_keys);
  std::vector<index_t> row_of(keys.hashes.size(), none);
  Eigen::VectorXd flags = Eigen::VectorXd::Zero(static_cast<index_t>(keys.hashes.size()));
  index_t unmatched = 0;
  for (std::size_t i = 0; i < keys.hashes.size(); ++i) {
    const auto it = is_missing(keys.hashes[i]) ? index.end() : index.find(keys.hashes[i]);
    if (it == index.end()) {
      ++unmatched;
      continue;
    }
    row_of[i] = it->second.front();  // unique: many-to-many joins onto silos are refused at planning
    flags[static_cast<index_t>(i)] = 1;
  }
  if (counts_only(j))
    ch.send(0, message::scalar(kind::join_matches, static_cast<double>(unmatched)));
  else
    ch.send(0, message::of(kind::join_matches, flags));
  return row_of;
}

/// Vertical set-up, every party.
inline void setup_vertical(channel& ch, const integration::spec& s, const placement& pl, bool intercept,
                           bool with_labels, party_state& me) {
  const auto start = clock::now();
  const int rank = ch.rank();
  for (const auto& [name, paths] : s.tables) {
    const auto it = s.silo_of_table.find(name);
    const std::string silo = it == s.silo_of_table.end() ? "" : it->second;
    if ((rank == 0 && (silo.empty() || silo == "*")) || (rank > 0 && silo == ch.my_name()))
      me.tables.emplace(name, integration::load_table(s, name, me.megabytes));
  }
  me.own_rows = rows_of(me.tables);
  me.load_seconds = seconds_since(start);
  const auto features = features_of(s, pl, rank);
  ch.set_phase("set-up (joins)");

  if (rank == 0) {
    const hash_key_bytes key = new_hash_key();
    for (int r = 1; r < ch.parties(); ++r) ch.send(r, message::of(kind::hash_key, split_key(key)));
    me.rows = integration::base_rows(me.tables.at(s.base), s.base);
    for (std::size_t k = 0; k < s.joins.size(); ++k) {
      const auto& j = s.joins[k];
      if (pl.join_owner[k] == 0)
        integration::join_one(me.rows, me.tables.at(j.table), j);
      else
        remote_join(ch, pl.join_owner[k], me, j, key);
    }
    // Each silo learns which of the keys it matched the final rows take.
    for (std::size_t k = 0; k < s.joins.size(); ++k) {
      if (pl.join_owner[k] == 0) continue;
      const auto& positions = me.rows.rows_of(alias_of(s.joins[k]));
      Eigen::VectorXd v(static_cast<index_t>(positions.size()));
      for (std::size_t i = 0; i < positions.size(); ++i) v[static_cast<index_t>(i)] = static_cast<double>(positions[i]);
      ch.send(pl.join_owner[k], message::of(kind::row_positions, v));
    }
    ch.set_phase("set-up (features)");
    if (!features.empty()) me.design = integration::encode(me.rows, features, intercept);
    if (with_labels) me.labels = integration::label(me.rows, s.label, s.threshold);
    me.names = me.design ? me.design->names : std::vector<std::string>{};
    me.reference_levels = me.design ? me.design->reference_levels : std::vector<std::string>{};
    me.party_sizes.push_back(static_cast<index_t>(me.names.size()));
    me.party_rows.push_back(me.own_rows);
    for (int r = 1; r < ch.parties(); ++r) {
      const message names = ch.receive(r, kind::names);
      const message refs = ch.receive(r, kind::reference_levels);
      me.party_rows.push_back(static_cast<index_t>(ch.receive(r, kind::count).value()));
      me.names.insert(me.names.end(), names.texts.begin(), names.texts.end());
      me.reference_levels.insert(me.reference_levels.end(), refs.texts.begin(), refs.texts.end());
      me.party_sizes.push_back(static_cast<index_t>(names.texts.size()));
    }
    me.total_rows = me.rows.rows;
    return;
  }

  const hash_key_bytes key = join_key(ch.receive(0, kind::hash_key));
  std::vector<std::pair<std::string, std::vector<index_t>>> matched;  // alias -> row per hashed key
  for (std::size_t k = 0; k < s.joins.size(); ++k)
    if (pl.join_owner[k] == rank) matched.emplace_back(alias_of(s.joins[k]), answer_join(ch, me, s.joins[k], key));
  me.rows.base = s.base;
  for (std::size_t k = 0; k < s.joins.size(); ++k) {
    if (pl.join_owner[k] != rank) continue;
    const std::string alias = alias_of(s.joins[k]);
    const message positions = ch.receive(0, kind::row_positions);
    const auto& at_join = std::find_if(matched.begin(), matched.end(), [&](const auto& m) { return m.first == alias; })->second;
    std::vector<row_index> row_of(positions.numbers.size());
    for (std::size_t i = 0; i < row_of.size(); ++i) {
      const double p = positions.numbers[i];
      if (!(p >= 0) || p >= static_cast<double>(at_join.size()))
        throw silo_failure("the aggregator sent a row position out of range for join '" + alias + "'");
      row_of[i] = static_cast<row_index>(at_join[static_cast<std::size_t>(p)]);  // a row of a checked table
    }
    me.rows.rows = static_cast<index_t>(row_of.size());
    me.rows.aliases.push_back(alias);
    me.rows.tables[alias] = &me.tables.at(s.joins[k].table);
    me.rows.row_of[alias] = std::move(row_of);
  }
  ch.set_phase("set-up (features)");
  if (!features.empty()) me.design = integration::encode(me.rows, features, intercept);
  ch.send(0, message::of(kind::names, me.design ? me.design->names : std::vector<std::string>{}));
  ch.send(0, message::of(kind::reference_levels, me.design ? me.design->reference_levels : std::vector<std::string>{}));
  ch.send(0, message::scalar(kind::count, static_cast<double>(me.own_rows)));
}

/// Horizontal set-up, every party: each silo integrates its own rows; the
/// one-hot levels are the union of the silos' levels.
inline void setup_horizontal(channel& ch, const integration::spec& s, bool intercept, bool with_labels,
                             party_state& me) {
  const auto start = clock::now();
  const int rank = ch.rank();
  if (rank > 0) {
    const auto& part_silos = s.silo_of_part.at(s.base);
    me.tables.emplace(s.base, integration::load_table(s, s.base, me.megabytes, [&](std::size_t k) {
                        return part_silos[k] == ch.my_name();
                      }));
    for (const auto& [name, silo] : s.silo_of_table)
      if (silo == "*" && name != s.base) me.tables.emplace(name, integration::load_table(s, name, me.megabytes));
    me.own_rows = me.tables.at(s.base).rows;
    me.load_seconds = seconds_since(start);
    me.rows = integration::join(me.tables, s.base, s.joins);
  }
  ch.set_phase("set-up (levels)");
  integration::level_sets agreed;
  if (rank > 0) agreed = integration::observed_levels(me.rows, s.features);
  for (const auto& f : s.features) {
    if (!f.onehot || !f.coalesce.empty()) continue;
    const std::string key = integration::feature_key(f);
    if (rank > 0) {
      ch.send(0, message::of(kind::levels, agreed.at(key)));
      agreed[key] = ch.receive(0, kind::levels).texts;
      continue;
    }
    std::set<std::string> all;
    for (int r = 1; r < ch.parties(); ++r) {
      const message m = ch.receive(r, kind::levels);
      all.insert(m.texts.begin(), m.texts.end());
    }
    const std::vector<std::string> merged(all.begin(), all.end());  // byte-wise sorted, as in central encoding
    for (int r = 1; r < ch.parties(); ++r) ch.send(r, message::of(kind::levels, merged));
  }
  ch.set_phase("set-up (features)");
  if (rank > 0) {
    me.design = integration::encode(me.rows, s.features, intercept, &agreed);
    if (with_labels) me.labels = integration::label(me.rows, s.label, s.threshold);
    ch.send(0, message::of(kind::names, me.design->names));
    ch.send(0, message::of(kind::reference_levels, me.design->reference_levels));
    ch.send(0, message::scalar(kind::count, static_cast<double>(me.rows.rows)));
    ch.send(0, message::scalar(kind::count, static_cast<double>(me.own_rows)));
    for (const auto& j : s.joins) ch.send(0, message::scalar(kind::count, static_cast<double>(me.rows.unmatched.at(alias_of(j)))));
    if (with_labels) ch.send(0, message::scalar(kind::count, me.labels.sum()));  // for the degenerate-label check
    return;
  }
  me.party_rows.push_back(0);
  for (int r = 1; r < ch.parties(); ++r) {
    const message names = ch.receive(r, kind::names);
    const message refs = ch.receive(r, kind::reference_levels);
    if (r == 1) {
      me.names = names.texts;
      me.reference_levels = refs.texts;
    } else if (names.texts != me.names) {
      throw silo_failure("silo '" + ch.name(r) + "' encoded other columns than silo '" + ch.name(1) + "'");
    }
    me.total_rows += static_cast<index_t>(ch.receive(r, kind::count).value());
    me.party_rows.push_back(static_cast<index_t>(ch.receive(r, kind::count).value()));
    for (const auto& j : s.joins)
      me.rows.unmatched[alias_of(j)] += static_cast<index_t>(ch.receive(r, kind::count).value());
    if (with_labels) me.label_sum += ch.receive(r, kind::count).value();
  }
  if (with_labels) s.model.glm_family().check_not_degenerate(me.label_sum, me.total_rows, s.label);
}

/// Horizontal standardization: the column means and population standard
/// deviations of T, from per-silo sums (exact: the centred sums are taken
/// about the global mean).
inline void agree_moments(channel& ch, const party_state& me, index_t p, Eigen::VectorXd& mean, Eigen::VectorXd& scale) {
  ch.set_phase("set-up (standardization)");
  const bool silo = !ch.is_aggregator();
  const double n = static_cast<double>(me.total_rows);
  Eigen::VectorXd local_mean = Eigen::VectorXd::Zero(p), local_var = Eigen::VectorXd::Zero(p);
  const double rows = silo ? static_cast<double>(me.rows.rows) : 0.0;
  if (silo && rows > 0) {
    local_mean = me.design->matrix.col_means();
    local_var = me.design->matrix.col_variances();
  }
  mean = sum_at_aggregator(ch, Eigen::MatrixXd(rows * local_mean), kind::moments).col(0);
  if (!silo) mean /= n;
  mean = broadcast(ch, Eigen::MatrixXd(mean), kind::moments).col(0);
  const Eigen::VectorXd centred = rows * (local_var + (local_mean - mean).cwiseAbs2());
  scale = sum_at_aggregator(ch, Eigen::MatrixXd(centred), kind::moments).col(0);
  if (!silo) scale = (scale / n).cwiseSqrt();
  scale = broadcast(ch, Eigen::MatrixXd(scale), kind::moments).col(0);
}

inline glm spec_model(const integration::spec& s) {
  return glm(s.model.glm_family())
      .intercept(s.model.intercept)
      .l2(s.model.l2)
      .max_iterations(s.model.max_iterations)
      .tolerance(s.model.tolerance);
}

inline label_block labels_of(const Eigen::VectorXd& y, const family& f, const std::string& name,
                             bool whole_label) {
  label_block out{y, Eigen::VectorXd::Ones(y.size()), Eigen::VectorXd(), static_cast<double>(y.size())};
  for (index_t i = 0; i < y.size(); ++i) f.check_label(y[i], i);
  if (whole_label) f.check_not_degenerate(y, name);  // a horizontal silo holds only part of the label
  return out;
}
}  // namespace detail

/// Trains the spec's GLM in silo mode. Every party calls it; rank 0 gets the report.
inline std::optional<train_report> train(channel& ch, const integration::spec& s) {
  const placement pl = plan(s);
  if (s.label.empty()) amalur::detail::fail<value_error>("spec: train needs a \"label\"");
  const glm model = detail::spec_model(s);
  const auto start = detail::clock::now();
  party_state me;
  train_report report;
  report.mode = pl.mode;
  if (pl.mode == split::vertical) {
    detail::setup_vertical(ch, s, pl, s.model.intercept, ch.is_aggregator(), me);
    const double setup = detail::seconds_since(start);
    const auto fit_start = detail::clock::now();
    // Standardization is column by column, and each party holds its columns for every target row.
    std::optional<standardized_matrix> scaled;
    if (s.model.standardize && me.design) scaled.emplace(me.design->matrix);
    column_block block{me.design ? &me.design->matrix : nullptr, ch.is_aggregator() && s.model.intercept,
                       me.rows.rows, scaled ? &*scaled : nullptr};
    std::optional<label_block> labels;
    if (ch.is_aggregator()) labels = detail::labels_of(me.labels, model.family(), s.label, true);
    index_t parameters = block.size();
    parameters = static_cast<index_t>(all_sum(ch, static_cast<double>(parameters), kind::count));
    vertical_fit fit = fit_vertical(ch, model, block, labels ? &*labels : nullptr, parameters);
    ch.set_phase("collecting coefficients");
    if (s.model.standardize) {  // back to the original scale: b = D^-1 b_std, b0 -= mu^T D^-1 b_std
      double shift = 0;
      if (scaled) {
        const index_t pen = block.features();
        fit.block.tail(pen) = fit.block.tail(pen).cwiseQuotient(scaled->scales());
        shift = scaled->means().dot(fit.block.tail(pen));
        if (fit.block_variance.size())
          fit.block_variance.tail(pen) = fit.block_variance.tail(pen).cwiseQuotient(scaled->scales().cwiseAbs2());
      }
      shift = sum_at_aggregator(ch, Eigen::MatrixXd::Constant(1, 1, shift), kind::dot)(0, 0);
      if (ch.is_aggregator()) fit.fit.intercept = (s.model.intercept ? fit.block[0] : 0.0) - shift;
    }
    if (!ch.is_aggregator()) {
      ch.send(0, message::of(kind::coefficients, fit.block));
      if (fit.block_variance.size()) ch.send(0, message::of(kind::standard_errors, fit.block_variance));
      return std::nullopt;
    }
    glm_fit& out = fit.fit;
    const index_t own = me.party_sizes[0];
    Eigen::VectorXd coefficients(static_cast<index_t>(me.names.size())), variance(coefficients.size());
    coefficients.head(own) = fit.block.tail(own);
    if (fit.block_variance.size()) variance.head(own) = fit.block_variance.tail(own);
    index_t at = own;
    for (int r = 1; r < ch.parties(); ++r) {
      const index_t size = me.party_sizes[static_cast<std::size_t>(r)];
      const message c = ch.receive(r, kind::coefficients);
      if (static_cast<index_t>(c.numbers.size()) != size)
        throw silo_failure("silo '" + ch.name(r) + "' sent " + std::to_string(c.numbers.size()) + " coefficients, not " +
                           std::to_string(size));
      coefficients.segment(at, size) = c.vector();
      if (fit.block_variance.size()) variance.segment(at, size) = ch.receive(r, kind::standard_errors).vector();
      at += size;
    }
    out.coefficients = coefficients;
    if (fit.block_variance.size()) {
      out.standard_errors = variance.cwiseMax(0.0).cwiseSqrt();
      if (s.model.intercept && !s.model.standardize)  // standardized: needs the full covariance, as centrally
        out.intercept_standard_error = std::sqrt(std::max(0.0, fit.block_variance[0]));
    }
    report.fit = std::move(out);
    report.prepare_seconds = setup - me.load_seconds;
    report.fit_seconds = detail::seconds_since(fit_start);
    report.conjugate_gradient_steps = fit.conjugate_gradient_steps;
  } else {
    detail::setup_horizontal(ch, s, s.model.intercept, true, me);
    const double setup = detail::seconds_since(start);
    const auto fit_start = detail::clock::now();
    const index_t parameters = ch.is_aggregator() ? static_cast<index_t>(me.names.size()) : me.design->matrix.cols();
    std::optional<standardized_matrix> scaled;
    Eigen::VectorXd mean, scale;
    if (s.model.standardize) detail::agree_moments(ch, me, parameters, mean, scale);
    if (s.model.standardize && !ch.is_aggregator()) scaled.emplace(me.design->matrix, mean, scale);
    std::optional<row_block> rows;
    if (!ch.is_aggregator()) {
      const label_block l = detail::labels_of(me.labels, model.family(), s.label, false);
      rows = row_block{&me.design->matrix, l.y, l.weights, l.offset, scaled ? &*scaled : nullptr};
    }
    glm_fit fit = fit_horizontal(ch, model, rows ? &*rows : nullptr, parameters, me.total_rows);
    if (!ch.is_aggregator()) return std::nullopt;
    if (s.model.standardize) {
      for (index_t j = 0; j < scale.size(); ++j)
        if (!(scale[j] > 0)) scale[j] = 1.0;
      fit.coefficients = fit.coefficients.cwiseQuotient(scale);
      fit.intercept -= mean.dot(fit.coefficients);
      if (fit.standard_errors.size()) fit.standard_errors = fit.standard_errors.cwiseQuotient(scale);
      fit.intercept_standard_error = std::numeric_limits<double>::quiet_NaN();
    }
    report.fit = std::move(fit);
    report.prepare_seconds = setup - me.load_seconds;
    report.fit_seconds = detail::seconds_since(fit_start);
  }
  report.names = me.names;
  report.reference_levels = me.reference_levels;
  report.rows = me.total_rows;
  report.unmatched = me.rows.unmatched;
  report.party_rows = me.party_rows;
  report.load_seconds = me.load_seconds;
  return report;
}

/// Rank 0's prediction: the linear predictor per target row, and the base
/// table's row each target row comes from.
struct prediction {
  Eigen::VectorXd eta;
  std::vector<row_index> base_rows;
};

/// The linear predictor of a trained model over a vertical split: each silo
/// applies its block of coefficients to its own columns and sends its
/// partial predictor; rank 0 adds them up. `model` only at rank 0.
inline std::optional<prediction> predict_link(channel& ch, const integration::spec& s,
                                              const integration::model_file* model, bool unseen_as_reference) {
  const placement pl = plan(s);
  if (pl.mode == split::horizontal)
    amalur::detail::fail<value_error>("silo mode: in a horizontal split each silo holds all columns of its rows, so "
                                      "it predicts them itself with `amalur predict` (no --silos)");
  party_state me;
  detail::setup_vertical(ch, s, pl, false, false, me);
  ch.set_phase("prediction");
  Eigen::VectorXd beta;
  if (ch.is_aggregator()) {
    const Eigen::VectorXd all =
        integration::coefficients_for(me.names, model->coefficients, model->reference_levels, unseen_as_reference);
    index_t at = me.party_sizes[0];
    beta = all.head(at);
    for (int r = 1; r < ch.parties(); ++r) {
      const index_t size = me.party_sizes[static_cast<std::size_t>(r)];
      ch.send(r, message::of(kind::coefficients, all.segment(at, size)));
      at += size;
    }
  } else {
    beta = ch.receive(0, kind::coefficients).vector();
  }
  const column_block block{me.design ? &me.design->matrix : nullptr, false, me.rows.rows};
  if (block.size() != beta.size()) throw silo_failure("coefficients and columns disagree at " + ch.my_name());
  Eigen::VectorXd eta = sum_at_aggregator(ch, block.times(beta), kind::partial_predictor).col(0);
  if (!ch.is_aggregator()) return std::nullopt;
  eta.array() += model->intercept;
  return prediction{std::move(eta), me.rows.rows_of(s.base)};
}

}  // namespace amalur::silos
