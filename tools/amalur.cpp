// The amalur program: train, predict and explain from a JSON spec.
//   amalur train SPEC.json [--strategy auto|factorized|materialized] [--output MODEL.json]
//                          [--catalog FILE.db [--catalog-timeout S]]
//                          [--silos threads|mpi [--audit FILE] [--silo-timeout S] [--noise SIGMA]]
//   amalur predict (MODEL.json | --catalog FILE.db --model ID) SPEC.json [--unseen-as-reference]
//                  [--catalog FILE.db] [--silos ...]   (CSV on stdout)
//   amalur explain SPEC.json [--catalog FILE.db]
//   amalur catalog runs|sources|models|integrations|show ID|best ... --catalog FILE.db
// Every sub-command takes --threads N (default: every core); results are the same bits for any N.
// Exit codes: 0 success, 2 bad spec or data, 3 the fit did not converge,
// 4 a file could not be opened, read or written, 5 a silo died, stalled or
// sent a malformed message.
#include <amalur/amalur.hpp>
#include <amalur/catalog/catalog.hpp>
#include <amalur/catalog/spec_records.hpp>
#include <amalur/execution/memory.hpp>
#include <amalur/integration/model_file.hpp>
#include <amalur/integration/spec.hpp>
#include <amalur/silos/run.hpp>
#include <amalur/silos/session.hpp>
#ifdef AMALUR_HAVE_MPI
#include <amalur/silos/mpi_transport.hpp>
#endif

#include <CLI/CLI.hpp>

#include "catalog_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>

using namespace amalur;
using nlohmann::json;

namespace {

constexpr int kBadInput = 2, kNotConverged = 3, kFileError = 4;

/// Progress on stderr (--progress, or by default when stderr is a terminal); stdout never changes.
bool progress_on = false;
void say(const std::string& what) {
  if (progress_on) std::cerr << "amalur: " << what << std::endl;
}

/// The catalog of a run (--catalog FILE.db), opened and checked before any data are loaded.
struct catalog_flags {
  std::string path;
  double timeout = 30;
};
std::optional<catalog::catalog> open_catalog(const catalog_flags& f) {
  if (f.path.empty()) return std::nullopt;
  return std::optional<catalog::catalog>(std::in_place, f.path, catalog::open_options{catalog::access::write, f.timeout});
}

/// The spec at `path`, able to read its SQLite tables.
integration::spec load(const std::string& path, double timeout = 30) {
  integration::spec s = integration::load_spec(path);
  catalog::read_sqlite_sources(s, timeout);
  return s;
}

/// The run's input files, so no output is written over one of them.
std::vector<std::string> inputs_of(const integration::spec& s, const std::string& spec_path) {
  std::vector<std::string> out{spec_path};
  for (const auto& [name, paths] : s.tables)
    for (const auto& p : paths) out.push_back((s.directory / p).string());
  return out;
}
void refuse_overwrite(const std::string& output, const std::vector<std::string>& inputs) {
  if (output.empty()) return;
  for (const auto& in : inputs)
    if (io::same_file(output, in))
      detail::fail<value_error>("--output '", output, "' is one of this run's input files; choose another path");
}

json estimate_json(const estimate& e) {
  return {{"operation", name_of(e.op)},
          {"factorized_seconds", e.factorized_seconds},
          {"materialized_seconds", e.materialized_seconds},
          {"build_seconds", e.build_seconds},
          {"materialized_form", e.sparse ? "csr" : "dense"},
          {"pick", name_of(e.pick)},
          {"reason", e.reason},
          {"corrected_from_runs", e.evidence},
          {"factorized_factor", e.factorized_factor},
          {"materialized_factor", e.materialized_factor}};
}

/// The profile the program decides with: the default, except that where glibc backs large blocks
/// with huge pages (restart_with_huge_pages), a build's new memory faults in 2 MiB at a time, at
/// about the streaming rate (this VM: 7.6-13 GB/s, against 0.27-0.37 GB/s in 4 KiB pages; a
/// 300k x 12 dense T built in 9 ms where the 4 KiB rate priced it at 108 ms).
hardware_profile program_profile() {
  hardware_profile hw = default_profile;
  if (amalur::huge_pages_on()) hw.fresh_bytes_per_second = hw.bytes_per_second;
  return hw;
}

/// What this machine's measured runs in the catalog say about T's estimates (empty: nothing yet).
cost_correction correction_for(catalog::catalog& history, const dynamic_normalized_matrix<double>& t) {
  return history.correction(catalog::machine_name(), static_cast<double>(t.rows()), static_cast<double>(t.cols()),
                            catalog::tuple_ratio_of(t.part_shapes(), t.target_statistics()));
}

/// The cost model's view of one IRLS iteration (the operations a fit repeats).
json cost_json(const dynamic_normalized_matrix<double>& t) {
  json ops = json::array();
  for (auto [op, m] : {std::pair{operation::weighted_crossprod, 1}, std::pair{operation::transpose_multiply, 2},
                       std::pair{operation::multiply, 1}})
    ops.push_back(estimate_json(t.explain(op, m)));
  return ops;
}

json glm_json(const glm_fit& fit, const std::vector<std::string>& names);

/// Training metrics: deviance explained for every family (against the
/// intercept-only model's deviance), accuracy, AUC and log loss for
/// binomial, RMSE and R^2 for gaussian.
/// The mean overwrites `eta` (the caller's temporary): no second n-sized vector, whose fresh pages
/// cost more than the metrics' arithmetic (4 MB: 3-16 ms on this VM). The fit's vectorized passes,
/// not a scalar exp and log per row.
json metrics_json(const family& f, const Eigen::VectorXd& y, Eigen::VectorXd eta) {
  const index_t n = y.size();
  Eigen::VectorXd& mu = eta;
  amalur::detail::mean(f.link(), eta, mu);
  const double mean = y.mean();
  // Unit-weight deviances in blocks of rows: no n-sized vector of ones or of the mean.
  constexpr index_t block = 8192;
  const Eigen::VectorXd ones = Eigen::VectorXd::Ones(std::min(n, block));
  const Eigen::VectorXd means = Eigen::VectorXd::Constant(std::min(n, block), mean);
  double dev = 0, null_dev = 0;
  for (index_t b = 0; b < n; b += block) {
    const index_t len = std::min(block, n - b);
    dev += amalur::detail::weighted_deviance(f.kind(), y.segment(b, len), ones.head(len), mu.segment(b, len));
    null_dev += amalur::detail::weighted_deviance(f.kind(), y.segment(b, len), ones.head(len), means.head(len));
  }
  json out;
  out["deviance"] = dev;
  out["deviance_explained"] = null_dev > 0 ? 1 - dev / null_dev : 0.0;
  if (f.kind() == family_kind::binomial) {
    out["accuracy"] = metrics::accuracy(y, mu);
    out["f1"] = metrics::f1(y, mu);
    const bool both = (y.array() == 1.0).any() && (y.array() == 0.0).any();
    out["auc"] = both ? json(metrics::auc(y, mu)) : json(nullptr);
    const auto p = mu.array().max(1e-15).min(1 - 1e-15);
    const double loss = -(y.array() * p.log() + (1 - y.array()) * (1 - p).log()).sum();
    out["log_loss"] = loss / static_cast<double>(n);
  }
  if (f.kind() == family_kind::gaussian) {
    const double rss = (y - mu).squaredNorm(), tss = (y.array() - mean).matrix().squaredNorm();
    out["rmse"] = std::sqrt(rss / static_cast<double>(n));
    out["r_squared"] = tss > 0 ? 1 - rss / tss : 0.0;
  }
  return out;
}

template <class Design>
json fit_json(const integration::spec& s, const integration::prepared& p, const Design& x, double& fit_seconds,
              bool& converged) {
  const auto start = std::chrono::steady_clock::now();
  json out;
  const auto& names = p.design->names;
  if (s.model.is_kmeans()) {
    const kmeans_fit fit = kmeans(s.model.k).seed(s.model.seed).max_iterations(s.model.max_iterations).fit(x);
    fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    converged = fit.converged;
    out["inertia"] = fit.inertia;
    json centroids = json::array();
    for (index_t j = 0; j < fit.centroids.rows(); ++j) {
      json c = json::object();
      for (index_t k = 0; k < fit.centroids.cols(); ++k) c[names[static_cast<std::size_t>(k)]] = fit.centroids(j, k);
      centroids.push_back(c);
    }
    out["centroids"] = centroids;
    out["iterations"] = fit.iterations;
    out["converged"] = fit.converged;
    return out;
  }
  const glm model = glm(s.model.glm_family())
                        .intercept(s.model.intercept)
                        .l2(s.model.l2)
                        .l1(s.model.l1)
                        .max_iterations(s.model.max_iterations)
                        .tolerance(s.model.tolerance)
                        .standardize(s.model.standardize)
                        .on_progress([](const progress& at) {
                          say("iteration " + std::to_string(at.iteration) + ": objective " + std::to_string(at.objective) +
                              " (" + std::to_string(at.seconds) + " s)");
                          return true;
                        });
  try {  // named here; glm checks again as "y"
    for (index_t i = 0; i < p.labels.size(); ++i) model.family().check_label(p.labels[i], i);
  } catch (const value_error& e) {
    detail::fail<value_error>("label '", s.label, "': ", e.what());
  }
  model.family().check_not_degenerate(p.labels, s.label);
  say(std::string("fitting ") + name_of(model.family().kind()) + " on " + std::to_string(x.rows()) + " rows x " +
      std::to_string(x.cols()) + " columns");
  glm_fit fit;
  try {
    fit = model.fit(x, p.labels);
  } catch (const value_error& e) {
    // Name a constant column: with an intercept it is the usual cause of a singular system.
    if (std::string(e.what()).find("rank deficient") != std::string::npos && s.model.intercept) {
      const auto variances = x.col_variances();
      for (index_t j = 0; j < variances.size(); ++j)
        if (!(variances[j] > 0))
          detail::fail<value_error>("glm: the feature '", names[static_cast<std::size_t>(j)],
                                    "' is constant, so it duplicates the intercept; drop it or add an l2 penalty");
    }
    throw;
  }
  converged = fit.converged;
  json fitted = glm_json(fit, names);
  fitted["metrics"] = metrics_json(fit.family, p.labels, fit.predict_link(x));
  fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();  // with the metrics
  return fitted;
}

json glm_json(const glm_fit& fit, const std::vector<std::string>& names) {
  json out;
  out["family"] = name_of(fit.family.kind());
  out["link"] = name_of(fit.family.link());
  out["intercept"] = fit.intercept;
  json coefficients = json::object();
  for (std::size_t k = 0; k < names.size(); ++k) coefficients[names[k]] = fit.coefficients[static_cast<index_t>(k)];
  out["coefficients"] = coefficients;
  if (fit.standard_errors.size()) {
    json se = json::object();
    for (std::size_t k = 0; k < names.size(); ++k) se[names[k]] = fit.standard_errors[static_cast<index_t>(k)];
    if (fit.has_intercept && std::isfinite(fit.intercept_standard_error)) se["intercept"] = fit.intercept_standard_error;
    out["standard_errors"] = se;
  } else {
    out["standard_errors"] = "not computed: the fit is penalized (l2 or l1), so classical standard errors do not apply";
  }
  out["iterations"] = fit.iterations;
  out["converged"] = fit.converged;
  out["message"] = fit.message;
  out["deviance"] = fit.deviance;
  out["log_likelihood"] = fit.log_likelihood;
  out["objective"] = fit.objective;
  return out;
}

/// Warnings on stderr (the run goes on): a join where no row matched, a
/// feature that is the label column, a one-hot feature with more levels than
/// a tenth of the rows.
void warn_about(const integration::spec& s, const integration::prepared& p) {
  for (const auto& [alias, matched] : p.rows.matched)
    if (matched == 0) std::cerr << "amalur: warning: no row matched in join '" << alias << "'\n";
  if (!s.label.empty()) {
    const auto label = p.rows.resolve(s.label);
    for (const auto& f : s.features)
      if (f.coalesce.empty() && f.derive.empty() && p.rows.resolve(f.column) == label)
        std::cerr << "amalur: warning: the feature '" << f.column << "' is the label column\n";
  }
  for (const auto& f : s.features) {
    if (!f.onehot) continue;
    const std::string prefix = integration::feature_key(f) + "=";
    const auto levels = std::count_if(p.design->names.begin(), p.design->names.end(),
                                      [&](const std::string& n) { return n.rfind(prefix, 0) == 0; });
    if (levels > p.rows.rows / 10)
      std::cerr << "amalur: warning: the one-hot feature '" << integration::feature_key(f) << "' has " << levels
                << " levels for " << p.rows.rows << " rows\n";
  }
}

/// The model file's text: what --output writes and the catalog keeps, byte for byte.
std::string model_text(json model, const std::vector<std::string>& names,
                       const std::vector<std::string>& reference_levels, const integration::spec& s) {
  model["format"] = "amalur-model";
  model["version"] = integration::model_format_version;
  model["features"] = names;
  model["reference_levels"] = reference_levels;
  model["has_intercept"] = s.model.intercept;
  model["structure"] = json::parse(integration::structure_of(s).dump());
  return model.dump(2) + "\n";
}

json hyper_parameters_of(const integration::spec& s, const std::string& strategy_name) {
  const auto& m = s.model;
  json out = {{"family", m.family}, {"strategy", strategy_name}};
  if (m.is_kmeans()) {
    out.update({{"k", m.k}, {"seed", m.seed}, {"max_iterations", m.max_iterations}});
    return out;
  }
  out.update({{"link", m.link ? json(*m.link) : json(nullptr)},
              {"intercept", m.intercept},
              {"l2", m.l2},
              {"l1", m.l1},
              {"max_iterations", m.max_iterations},
              {"tolerance", m.tolerance},
              {"standardize", m.standardize}});
  return out;
}

/// A run's common part: what ran, on which machine, with which profile.
catalog::run_record run_of(const std::string& kind, const std::string& started_at, const hardware_profile& hw) {
  catalog::run_record r;
  r.kind = kind;
  r.started_at = started_at;
  r.threads = default_threads();
  r.machine = catalog::machine_name();
  r.machine_profile = io::to_json(hw);
  return r;
}

/// Registers the run's sources and integration (upserts) in the open transaction.
catalog::record_id register_integration(catalog::catalog& c, const integration::spec& s, const integration::prepared& p,
                                         const std::vector<catalog::source_record>& sources) {
  catalog::integration_record integration = catalog::integration_of(s, p.rows);
  for (const auto& source : sources) integration.sources.push_back(c.add_source(source));
  return c.add_integration(integration);
}
/// The catalog's records of the run's tables (their columns, rows and fingerprints).
std::vector<catalog::source_record> source_records(const integration::spec& s, const integration::prepared& p) {
  std::vector<catalog::source_record> out;
  for (const auto& [name, table] : p.tables) out.push_back(catalog::source_of(s, name, table));
  return out;
}

/// The seconds the cost model expected for the whole fit under `used`,
/// from its (uncorrected) per-iteration estimates: what the measured fit
/// seconds are logged against.
double expected_fit_seconds(const json& per_iteration, strategy used, double iterations) {
  double op_seconds = 0, build = 0;
  for (const auto& e : per_iteration) {
    op_seconds += e[used == strategy::factorized ? "factorized_seconds" : "materialized_seconds"].get<double>();
    build = std::max(build, e["build_seconds"].get<double>());
  }
  return iterations * op_seconds + (used == strategy::materialized ? build : 0.0);
}

/// The n-sized vectors a GLM fit allocates: its workspace (eta, the next
/// eta, mu, and two for the working weights and response), the prior
/// weights, and the scores of its metrics.
constexpr std::size_t kFitVectors = 8;

int train(const std::string& spec_path, const std::string& strategy_name, const std::string& output,
          const catalog_flags& catalog_at) {
  // Freed blocks stay in the process (amalur/execution/memory.hpp): loading's
  // growing vectors and the join's and encoder's n-sized blocks reuse pages
  // instead of faulting fresh ones in (a month: load + prepare 250 -> 80 ms).
  amalur::keep_freed_memory();
  const std::string started_at = catalog::now_utc();
  const auto spec_start = std::chrono::steady_clock::now();
  const integration::spec s = load(spec_path, catalog_at.timeout);
  const double spec_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - spec_start).count();
  refuse_overwrite(output, inputs_of(s, spec_path));
  if (s.label.empty() && !s.model.is_kmeans()) detail::fail<value_error>("spec: train needs a \"label\"");
  auto history = open_catalog(catalog_at);  // checked before any data are loaded
  integration::prepared p;
  say("loading and integrating the tables");
  integration::prepare(s, p);
  const auto prepared_at = std::chrono::steady_clock::now();
  auto& t = p.design->matrix;
  t.set_profile(program_profile());
  say("loaded in " + std::to_string(p.load_seconds) + " s, prepared " + std::to_string(t.rows()) + " rows x " +
      std::to_string(t.cols()) + " features in " + std::to_string(p.prepare_seconds) + " s");
  warn_about(s, p);
  // The catalog's source records need the tables; then they and the join's
  // row indices go (the design has its own): at 2M rows, over 100 MB.
  const auto sources = history ? source_records(s, p) : std::vector<catalog::source_record>{};
  p.release_data();
  // What the tables held goes back to the system, or the fit's own vectors would come on top of it
  // (2M rows: a peak of 272 MB instead of 241 MB); but as many n-sized blocks as the fit allocates
  // stay for it, already faulted in.
  amalur::return_free_memory_except(kFitVectors, static_cast<std::size_t>(t.rows()) * sizeof(double));
  json out;
  out["n_rows"] = t.rows();
  out["n_features"] = t.cols();
  json unmatched = json::object();
  for (const auto& [alias, count] : p.rows.unmatched) unmatched[alias] = count;
  out["unmatched"] = unmatched;
  const json uncorrected_cost = cost_json(t);
  // Under the automatic strategy, what this machine's measured runs say corrects the estimates.
  cost_correction correction;
  if (history && strategy_name == "auto") {
    correction = correction_for(*history, t);
    t.set_correction(correction);
  }
  out["cost"] = correction.empty() ? uncorrected_cost : cost_json(t);
  if (history) out["correction"] = catalog::correction_json(correction);
  // Releasing the tables and measuring the design's parts for the estimates count as preparing.
  const double measure_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - prepared_at).count();
  double fit_seconds = 0, materialize_seconds = 0;
  bool converged = false;
  json fitted;
  if (strategy_name == "materialized") {
    const auto start = std::chrono::steady_clock::now();
    const materialized_matrix<double> m = materialize_best(t);
    materialize_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fitted = fit_json(s, p, m, fit_seconds, converged);
    out["strategy"] = "materialized";
  } else {
    if (strategy_name == "factorized") t.set_strategy(strategy::factorized);
    fitted = fit_json(s, p, t, fit_seconds, converged);
    out["strategy"] = t.report().strategy_name();
  }
  out.update(fitted);
  // Every phase but printing: reading the spec counts as loading, building T as preparing, the metrics as fitting.
  out["seconds"] = {{"load", spec_seconds + p.load_seconds},
                    {"prepare", p.prepare_seconds + measure_seconds + materialize_seconds},
                    {"fit", fit_seconds}};
  out["csv_megabytes_per_second"] = p.megabytes / std::max(p.load_seconds, 1e-9);
  const std::string model = model_text(fitted, p.design->names, p.design->reference_levels, s);
  if (history) {  // one transaction: the sources, the integration, the model and the run, or nothing
    const auto [run_id, model_id] = history->write([&] {
      const catalog::record_id integration = register_integration(*history, s, p, sources);
      std::optional<catalog::record_id> model_id;
      if (converged)
        model_id = history->add_model(catalog::model_of(s, integration, p.design->names, model));
      catalog::run_record r = run_of("train", started_at, t.context()->profile());
      r.integration = integration;
      r.model = model_id;
      r.hyper_parameters = hyper_parameters_of(s, strategy_name);
      r.strategy = out["strategy"].get<std::string>();
      r.estimates = out["cost"];
      r.correction = out["correction"];
      r.seconds = out["seconds"];
      r.metrics = s.model.is_kmeans() ? json{{"inertia", fitted["inertia"]}} : fitted["metrics"];
      r.rows = t.rows();
      r.status = converged ? "converged" : "not_converged";
      const catalog::record_id run_id = history->add_run(r);
      // A fit that ran one strategy throughout is evidence for the cost model.
      if (!s.model.is_kmeans() && r.strategy != "mixed") {
        const strategy used = r.strategy == "materialized" ? strategy::materialized : strategy::factorized;
        const double iterations = std::max(1.0, fitted["iterations"].get<double>());
        const double measured = fit_seconds + materialize_seconds;
        const double expected = expected_fit_seconds(uncorrected_cost, used, iterations);
        if (measured > 0 && expected > 0)
          history->add_measurement(run_id, r.machine,
                                   {"fit", used, expected, measured, static_cast<double>(t.rows()),
                                    static_cast<double>(t.cols()),
                                    catalog::tuple_ratio_of(t.part_shapes(), t.target_statistics())});
      }
      return std::pair{run_id, model_id};
    });
    out["run_id"] = run_id;
    out["model_id"] = model_id ? json(*model_id) : json(nullptr);
  }
  // A run that does not converge writes no model (an existing one stays as it is).
  if (!output.empty() && converged) io::write_file_atomically(output, model, "model");
  std::cout << out.dump(2) << "\n";
  return converged ? 0 : kNotConverged;
}

family family_of(const integration::model_file& m) {
  return integration::model_spec{m.family, m.link.empty() ? std::nullopt : std::optional<std::string>(m.link), true}
      .glm_family();
}

/// One line per target row: the base table's data row (0-based, so rows an
/// inner join or the drop policy removed can be matched back), the linear
/// predictor and the prediction; to `output` (atomically) or stdout.
void write_predictions(const Eigen::VectorXd& eta, const std::vector<amalur::row_index>& base_rows, const family& f,
                       const std::string& output) {
  std::ostringstream out;
  out.precision(17);
  out << "row,linear_predictor,prediction\n";
  for (index_t i = 0; i < eta.size(); ++i)
    out << base_rows[static_cast<std::size_t>(i)] << "," << eta[i] << "," << f.mean(eta[i]) << "\n";
  if (output.empty())
    std::cout << out.str();
  else
    io::write_file_atomically(output, out.str(), "predictions");
}

/// predict's model: a file, or a model of the catalog (--model ID).
struct model_choice {
  std::string path;
  std::optional<catalog::record_id> id;
};

int predict(const model_choice& from, const std::string& spec_path, bool unseen_as_reference,
            const std::string& output, const catalog_flags& catalog_at) {
  const std::string started_at = catalog::now_utc();
  const integration::spec s = load(spec_path, catalog_at.timeout);
  auto history = open_catalog(catalog_at);  // checked before any data are loaded
  const std::string text = from.id ? history->model_text(*from.id) : io::read_file(from.path, "model");
  integration::model_file model = integration::parse_model(
      text, from.id ? "model " + std::to_string(*from.id) + " of catalog '" + catalog_at.path + "'" : from.path);
  integration::check_structure(model, s);
  auto inputs = inputs_of(s, spec_path);
  if (!from.path.empty()) inputs.push_back(from.path);
  refuse_overwrite(output, inputs);
  integration::prepared p;
  integration::prepare(s, p, integration::levels::keep_all, integration::labels::skip);  // the model says which are references
  const auto start = std::chrono::steady_clock::now();
  const auto& names = p.design->names;
  const Eigen::VectorXd beta =
      integration::coefficients_for(names, model.coefficients, model.reference_levels, unseen_as_reference);
  auto& t = p.design->matrix;
  t.set_profile(program_profile());
  const json estimates = json::array({estimate_json(t.explain(operation::multiply, 1))});
  Eigen::VectorXd eta = t * beta;
  eta.array() += model.intercept;
  const double predict_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (history) {  // recorded before anything is printed: a failure leaves no half-told run
    history->write([&] {
      catalog::run_record r = run_of("predict", started_at, t.context()->profile());
      r.integration = register_integration(*history, s, p, source_records(s, p));
      r.model = from.id ? from.id : history->model_with_text(text);
      r.hyper_parameters = {{"unseen_as_reference", unseen_as_reference}};
      r.strategy = t.report().strategy_name();
      r.estimates = estimates;
      r.seconds = {{"load", p.load_seconds}, {"prepare", p.prepare_seconds}, {"predict", predict_seconds}};
      r.metrics = {{"rows", eta.size()}};
      r.rows = eta.size();
      r.status = "done";
      history->add_run(r);
    });
  }
  write_predictions(eta, p.rows.rows_of(s.base), family_of(model), output);
  return 0;
}

// ---- silo mode --------------------------------------------------------------

struct silo_flags {
  std::string mode;  // "", "threads" or "mpi"
  std::string audit;
  double timeout = 60;
  double noise = 0;
  std::string fault;  // test hook: NAME:AFTER:die|stall|garbage
};

/// The channel's settings; only rank 0 (`audited`) opens the audit file.
silos::channel_options channel_options_of(const silo_flags& f, bool audited) {
  silos::channel_options o;
  o.timeout_seconds = f.timeout;
  o.noise = f.noise;
  if (audited && !f.audit.empty()) {  // one JSON line per message, flushed as it goes
    std::shared_ptr<std::FILE> file(std::fopen(f.audit.c_str(), "w"), [](std::FILE* p) {
      if (p) std::fclose(p);
    });
    if (!file) throw io::file_error("cannot open the audit file '" + f.audit + "': " + std::strerror(errno));
    o.audit = [file](const silos::audit_record& r) {
      const json line = {{"from", r.from}, {"to", r.to},     {"kind", r.kind},
                         {"rows", r.rows}, {"cols", r.cols}, {"bytes", r.bytes}};
      const std::string text = line.dump() + "\n";
      std::fwrite(text.data(), 1, text.size(), file.get());
      std::fflush(file.get());
    };
  }
  if (!f.fault.empty()) {
    const auto a = f.fault.find(':'), b = f.fault.rfind(':');
    if (a == std::string::npos || a == b) detail::fail<value_error>("--fault takes NAME:AFTER:die|stall|garbage");
    o.fault = {f.fault.substr(0, a), std::stoi(f.fault.substr(a + 1, b - a - 1)), f.fault.substr(b + 1)};
  }
  return o;
}

json silo_train_json(const silos::train_report& r, const silos::channel& ch, const integration::spec& s) {
  json out;
  out["n_rows"] = r.rows;
  out["n_features"] = r.names.size();
  json unmatched = json::object();
  for (const auto& [alias, count] : r.unmatched) unmatched[alias] = count;
  out["unmatched"] = unmatched;
  out["strategy"] = "factorized";
  out["split"] = silos::name_of(r.mode);
  out.update(glm_json(r.fit, r.names));
  out["metrics"] = "not computed in silo mode: the rows' predictions stay with the parties";
  out["seconds"] = {{"load", r.load_seconds}, {"prepare", r.prepare_seconds}, {"fit", r.fit_seconds}};
  if (r.mode == silos::split::vertical) out["conjugate_gradient_steps"] = r.conjugate_gradient_steps;
  json parties = json::object();
  for (int k = 1; k < ch.parties(); ++k) {
    const auto& t = ch.traffic_by_party()[static_cast<std::size_t>(k)];
    parties[ch.name(k)] = {{"bytes_sent", t.bytes_sent},
                           {"bytes_received", t.bytes_received},
                           {"messages", t.messages},
                           {"rows", r.party_rows[static_cast<std::size_t>(k)]}};
  }
  out["silos"] = parties;
  static_cast<void>(s);
  return out;
}

void print_failure(const std::string& what) { std::cerr << "amalur: " << what << std::endl; }

/// Registers a silo-mode run's sources (by location and silo only) and integration.
catalog::record_id register_silo_integration(catalog::catalog& c, const integration::spec& s, json statistics) {
  catalog::integration_record integration = catalog::integration_of(s, std::move(statistics));
  for (const auto& [name, paths] : s.tables) integration.sources.push_back(c.add_source(catalog::source_of(s, name)));
  return c.add_integration(integration);
}

/// One party of a silo-mode train or predict; the aggregator (rank 0) prints,
/// writes the model and records the run in `history` (its own, when given).
int silo_party(silos::channel& ch, const integration::spec& s, const std::string& command, const std::string& output,
               const std::string& model_path, bool unseen_as_reference, catalog::catalog* history,
               const std::string& started_at) {
  if (command == "train") {
    if (!ch.is_aggregator()) return silos::run_silo(ch, [&] { silos::train(ch, s); }, print_failure);
    return silos::run_aggregator(ch, [&] {
      const auto report = silos::train(ch, s);
      json out = silo_train_json(*report, ch, s);
      const bool converged = report->fit.converged;
      const std::string model = model_text(glm_json(report->fit, report->names), report->names, report->reference_levels, s);
      if (history) {
        const auto [run_id, model_id] = history->write([&] {
          const auto integration = register_silo_integration(
              *history, s, {{"rows", report->rows}, {"unmatched", catalog::counts_json(report->unmatched)}});
          std::optional<catalog::record_id> model_id;
          if (converged)
            model_id = history->add_model(catalog::model_of(s, integration, report->names, model));
          catalog::run_record r = run_of("train", started_at, default_profile);
          r.integration = integration;
          r.model = model_id;
          r.hyper_parameters = hyper_parameters_of(s, "factorized");
          r.hyper_parameters["silos"] = silos::name_of(report->mode);
          r.strategy = "factorized";
          r.seconds = out["seconds"];
          r.metrics = {{"deviance", report->fit.deviance}};  // the rows' predictions stay with the parties
          r.rows = report->rows;
          r.status = converged ? "converged" : "not_converged";
          return std::pair{history->add_run(r), model_id};
        });
        out["run_id"] = run_id;
        out["model_id"] = model_id ? json(*model_id) : json(nullptr);
      }
      if (!output.empty() && converged) io::write_file_atomically(output, model, "model");
      std::cout << out.dump(2) << "\n";
      return converged ? 0 : kNotConverged;
    }, print_failure);
  }
  if (!ch.is_aggregator())
    return silos::run_silo(ch, [&] { silos::predict_link(ch, s, nullptr, false); }, print_failure);
  return silos::run_aggregator(ch, [&] {
    const std::string text = io::read_file(model_path, "model");
    integration::model_file model = integration::parse_model(text, model_path);
    integration::check_structure(model, s);
    const auto prediction = silos::predict_link(ch, s, &model, unseen_as_reference);
    if (history)
      history->write([&] {
        catalog::run_record r = run_of("predict", started_at, default_profile);
        r.integration = register_silo_integration(*history, s, {{"rows", prediction->eta.size()}});
        r.model = history->model_with_text(text);
        r.hyper_parameters = {{"unseen_as_reference", unseen_as_reference}};
        r.strategy = "factorized";
        r.metrics = {{"rows", prediction->eta.size()}};
        r.rows = prediction->eta.size();
        r.status = "done";
        history->add_run(r);
      });
    write_predictions(prediction->eta, prediction->base_rows, family_of(model), output);
    return 0;
  }, print_failure);
}

int run_silos(const silo_flags& flags, const std::string& command, const std::string& spec_path,
              const std::string& output, const std::string& model_path, bool unseen_as_reference,
              const catalog_flags& catalog_at, int* argc, char*** argv) {
  const std::string started_at = catalog::now_utc();
  if (flags.mode == "mpi") {
#ifdef AMALUR_HAVE_MPI
    silos::mpi_transport net(argc, argv);
    const bool root = net.rank() == 0;
    try {
      const integration::spec s = load(spec_path);
      const silos::placement pl = silos::plan(s);
      auto inputs = inputs_of(s, spec_path);
      if (!model_path.empty()) inputs.push_back(model_path);
      refuse_overwrite(output, inputs);
      if (net.size() != pl.silos() + 1) {
        if (root)
          std::cerr << "amalur: the spec places tables in " << pl.silos() << " silo(s), so run it with mpirun -np "
                    << pl.silos() + 1 << " (one aggregator and one process per silo); this job has " << net.size()
                    << " processes\n";
        return kBadInput;
      }
      std::optional<catalog::catalog> history;  // the aggregator's, checked before any data are loaded
      if (root) history = open_catalog(catalog_at);
      silos::channel_options options = channel_options_of(flags, root);
      options.die = [] { std::raise(SIGKILL); };
      silos::channel ch(net, pl.parties, options);
      const int code = silo_party(ch, s, command, output, model_path, unseen_as_reference,
                                  history ? &*history : nullptr, started_at);
      std::cout.flush();  // before MPI_Finalize: mpirun's output forwarding may close with it
      return code;
    } catch (const io::file_error& e) {
      if (root) std::cerr << "amalur: " << e.what() << "\n";
      return kFileError;
    } catch (const std::exception& e) {
      if (root) std::cerr << "amalur: " << e.what() << "\n";
      return kBadInput;
    }
#else
    static_cast<void>(argc);
    static_cast<void>(argv);
    detail::fail<value_error>("--silos mpi: this amalur was built without MPI (install libopenmpi-dev and rebuild)");
#endif
  }
  const integration::spec s = load(spec_path);
  const silos::placement pl = silos::plan(s);
  auto inputs = inputs_of(s, spec_path);
  if (!model_path.empty()) inputs.push_back(model_path);
  refuse_overwrite(output, inputs);
  auto history = open_catalog(catalog_at);  // checked before any data are loaded
  return silos::run_in_threads(pl, channel_options_of(flags, true), [&](silos::channel& ch) {
    return silo_party(ch, s, command, output, model_path, unseen_as_reference, history ? &*history : nullptr,
                      started_at);
  });
}

int explain_spec(const std::string& spec_path, const catalog_flags& catalog_at) {
  const integration::spec s = load(spec_path, catalog_at.timeout);
  std::optional<catalog::catalog> history;
  if (!catalog_at.path.empty()) history.emplace(catalog_at.path, catalog::open_options{catalog::access::read, catalog_at.timeout});
  integration::prepared p;
  integration::prepare(s, p, s.model.intercept && !s.model.is_kmeans() ? integration::levels::drop_reference
                                                                      : integration::levels::keep_all,
                      integration::labels::skip);
  auto& t = p.design->matrix;
  t.set_profile(program_profile());
  if (history) t.set_correction(correction_for(*history, t));
  json out;
  out["n_rows"] = t.rows();
  out["n_features"] = t.cols();
  out["target_nonzeros"] = t.target_statistics().nonzeros;
  json ops = cost_json(t);
  ops.push_back(estimate_json(t.explain(operation::crossprod)));
  out["cost"] = ops;
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  amalur::restart_with_huge_pages(argv);  // a third of a month's run was page faults (execution/memory.hpp)
  CLI::App app{"amalur: factorized learning over data-integration metadata\n\n"
               "Exit codes: 0 ok, 2 bad input (spec, data, arguments), 3 no convergence (no model written),\n"
               "4 a file could not be opened, read or written, 5 a silo died, stalled or sent garbage.\n"
               "Paths inside a spec are relative to the spec file; --output paths to the working directory.\n"
               "Spec keys are listed below and in the README."};
  app.set_version_flag("--version", std::string("amalur ") + amalur::version);
  std::string keys = "Spec keys (one list, checked: an unknown key is an error):\n";
  for (const char* object : {"spec", "table", "union part", "join", "feature", "label", "model"}) {
    keys += std::string("  ") + object + ":";
    for (const auto& k : integration::detail::spec_keys(object)) keys += " " + k;
    keys += "\n";
  }
  app.footer(keys);
  bool progress_flag = false;
  std::signal(SIGXFSZ, SIG_IGN);  // past `ulimit -f`, a write fails (exit 4) instead of killing the run
  app.require_subcommand(1);
  std::string spec_path, model_path, strategy_name = "auto", output;
  bool unseen_as_reference = false;
  catalog_flags catalog_at;
  std::vector<std::string> predict_inputs;
  std::optional<catalog::record_id> catalog_model;
  auto* train_cmd = app.add_subcommand("train", "fit the spec's model; JSON on stdout");
  train_cmd->add_option("spec", spec_path, "spec JSON")->required();
  train_cmd->add_option("--strategy", strategy_name, "auto, factorized or materialized")
      ->check(CLI::IsMember({"auto", "factorized", "materialized"}));
  train_cmd->add_option("--output", output, "write the model here");
  auto* predict_cmd = app.add_subcommand("predict", "apply a model; CSV on stdout");
  predict_cmd->add_option("inputs", predict_inputs, "MODEL.json SPEC.json, or SPEC.json with --model ID")
      ->required()
      ->expected(1, 2);
  predict_cmd->add_option("--model", catalog_model, "the catalog's model ID (with --catalog) instead of a model file")
      ->check(CLI::PositiveNumber);
  predict_cmd->add_flag("--unseen-as-reference", unseen_as_reference, "treat unseen levels as the reference level");
  predict_cmd->add_option("--output", output, "write the predictions here (CSV) instead of stdout");
  silo_flags silo;
  for (auto* cmd : {train_cmd, predict_cmd}) {
    cmd->add_option("--silos", silo.mode, "train where the data lives: threads (one process) or mpi (under mpirun)")
        ->check(CLI::IsMember({"threads", "mpi"}));
    cmd->add_option("--audit", silo.audit, "silo mode: one JSON line per message into this file");
    cmd->add_option("--silo-timeout", silo.timeout, "silo mode: seconds of silence before a peer counts as failed")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--noise", silo.noise, "silo mode: Gaussian noise, relative to each message's RMS")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--fault", silo.fault, "test hook: NAME:AFTER:die|stall|garbage")->group("");
  }
  for (auto* cmd : {train_cmd, predict_cmd}) {
    cmd->add_option("--catalog", catalog_at.path, "record the run (and its sources, integration, model) in this SQLite catalog");
    cmd->add_option("--catalog-timeout", catalog_at.timeout, "seconds to wait for a catalog another process is writing")
        ->check(CLI::NonNegativeNumber);
  }
  auto* explain_cmd = app.add_subcommand("explain", "the cost model's estimates, without training");
  explain_cmd->add_option("spec", spec_path, "spec JSON")->required();
  explain_cmd->add_option("--catalog", catalog_at.path, "correct the estimates by this catalog's measured runs");
  for (auto* cmd : {train_cmd, predict_cmd, explain_cmd})
    cmd->add_flag("--progress", progress_flag, "phases and iterations on stderr (the default when stderr is a terminal)");
  int threads = 0;
  const auto add_threads = [&](CLI::App* cmd) {
    cmd->add_option("--threads", threads, "threads for the factorized kernels (default: every core); any count gives the same bits")
        ->check(CLI::NonNegativeNumber);
  };
  for (auto* cmd : {train_cmd, predict_cmd, explain_cmd}) add_threads(cmd);
  auto* catalog_cmd = app.add_subcommand("catalog", "what a catalog holds: runs, sources, models, integrations");
  catalog_cmd->require_subcommand(1);
  amalur_cli::catalog_query query;
  for (const char* what : {"runs", "sources", "models", "integrations", "show", "best"}) {
    auto* sub = catalog_cmd->add_subcommand(what, std::string("the catalog's ") + what);
    sub->callback([&query, what] { query.what = what; });
    sub->add_option("--catalog", query.path, "the SQLite catalog")->required();
    add_threads(sub);
    sub->add_option("--catalog-timeout", query.timeout, "seconds to wait for a busy catalog")
        ->check(CLI::NonNegativeNumber);
    if (std::string(what) == "show") {
      sub->description("one run, with everything recorded (JSON)");
      sub->add_option("id", query.id, "the run's id")->required();
    } else if (std::string(what) == "best") {
      sub->description("the training run of an integration with the best metric (JSON)");
      sub->add_option("--integration", query.integration, "the integration's name")->required();
      sub->add_option("--metric", query.metric, "auc, accuracy, f1, r_squared, deviance_explained, rmse, deviance, log_loss")
          ->required();
    } else {
      sub->add_flag("--json", query.json, "a JSON array of objects instead of one line per record");
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kBadInput;
  }
  progress_on = progress_flag || ::isatty(2);
  set_default_threads(threads);
  Eigen::setNbThreads(1);  // amalur cuts the work; Eigen's own products stay single-threaded inside its tasks
  try {
    if (*catalog_cmd) return amalur_cli::run_catalog_query(query);
    if (*predict_cmd) {  // MODEL.json SPEC.json, or SPEC.json with --catalog and --model
      if (catalog_model && (catalog_at.path.empty() || predict_inputs.size() != 1))
        detail::fail<value_error>("predict --model ID reads the model from --catalog FILE.db and takes one spec");
      if (!catalog_model && predict_inputs.size() != 2)
        detail::fail<value_error>("predict takes MODEL.json SPEC.json (or SPEC.json with --catalog FILE.db --model ID)");
      spec_path = predict_inputs.back();
      if (!catalog_model) model_path = predict_inputs.front();
    }
    if (!silo.mode.empty()) {
      if (catalog_model) detail::fail<value_error>("--silos predicts from a model file, not from --model ID");
      if (*train_cmd && strategy_name != "auto" && strategy_name != "factorized")
        detail::fail<value_error>("--silos trains factorized in each silo; --strategy ", strategy_name,
                                  " does not apply");
      return run_silos(silo, *train_cmd ? "train" : "predict", spec_path, output, model_path, unseen_as_reference,
                       catalog_at, &argc, &argv);
    }
    if (*train_cmd) return train(spec_path, strategy_name, output, catalog_at);
    if (*predict_cmd) return predict({model_path, catalog_model}, spec_path, unseen_as_reference, output, catalog_at);
    return explain_spec(spec_path, catalog_at);
  } catch (const io::file_error& e) {
    std::cerr << "amalur: " << e.what() << "\n";
    return kFileError;
  } catch (const std::exception& e) {
    std::cerr << "amalur: " << e.what() << "\n";
    return kBadInput;
  }
}
