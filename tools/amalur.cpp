// The amalur program: train, predict and explain from a JSON spec.
//   amalur train SPEC.json [--strategy auto|factorized|materialized] [--output MODEL.json]
//   amalur predict MODEL.json SPEC.json [--unseen-as-reference]    (CSV on stdout)
//   amalur explain SPEC.json
// Exit codes: 0 success, 2 bad spec or data, 3 the fit did not converge.
#include <amalur/amalur.hpp>
#include <amalur/integration/spec.hpp>

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

using namespace amalur;
using nlohmann::json;

namespace {

constexpr int kBadInput = 2, kNotConverged = 3;

json estimate_json(const estimate& e) {
  return {{"operation", name_of(e.op)},
          {"factorized_seconds", e.factorized_seconds},
          {"materialized_seconds", e.materialized_seconds},
          {"build_seconds", e.build_seconds},
          {"materialized_form", e.sparse ? "csr" : "dense"},
          {"pick", name_of(e.pick)},
          {"reason", e.reason}};
}

/// The cost model's view of one IRLS iteration (the operations a fit repeats).
json cost_json(const dynamic_normalized_matrix<double>& t) {
  json ops = json::array();
  for (auto [op, m] : {std::pair{operation::weighted_crossprod, 1}, std::pair{operation::transpose_multiply, 2},
                       std::pair{operation::multiply, 1}})
    ops.push_back(estimate_json(t.explain(op, m)));
  return ops;
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
                        .standardize(s.model.standardize);
  const glm_fit fit = model.fit(x, p.labels);
  fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  converged = fit.converged;
  out["family"] = name_of(fit.family.kind());
  out["link"] = name_of(fit.family.link());
  out["intercept"] = fit.intercept;
  json coefficients = json::object();
  for (std::size_t k = 0; k < names.size(); ++k) coefficients[names[k]] = fit.coefficients[static_cast<index_t>(k)];
  out["coefficients"] = coefficients;
  if (fit.standard_errors.size()) {
    json se = json::object();
    for (std::size_t k = 0; k < names.size(); ++k) se[names[k]] = fit.standard_errors[static_cast<index_t>(k)];
    out["standard_errors"] = se;
  }
  out["iterations"] = fit.iterations;
  out["converged"] = fit.converged;
  out["message"] = fit.message;
  out["deviance"] = fit.deviance;
  out["log_likelihood"] = fit.log_likelihood;
  out["objective"] = fit.objective;
  return out;
}

int train(const std::string& spec_path, const std::string& strategy_name, const std::string& output) {
  const integration::spec s = integration::load_spec(spec_path);
  integration::prepared p;
  integration::prepare(s, p, s.model.intercept && !s.model.is_kmeans());
  auto& t = p.design->matrix;
  json out;
  out["n_rows"] = t.rows();
  out["n_features"] = t.cols();
  json unmatched = json::object();
  for (const auto& [alias, count] : p.rows.unmatched) unmatched[alias] = count;
  out["unmatched"] = unmatched;
  out["cost"] = cost_json(t);
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
  out["seconds"] = {{"load", p.load_seconds}, {"prepare", p.prepare_seconds + materialize_seconds}, {"fit", fit_seconds}};
  out["csv_megabytes_per_second"] = p.megabytes / std::max(p.load_seconds, 1e-9);
  if (!output.empty()) {
    json model = fitted;
    model["format"] = "amalur-model";
    model["version"] = 1;
    model["features"] = p.design->names;
    model["reference_levels"] = p.design->reference_levels;
    model["has_intercept"] = s.model.intercept;
    std::ofstream(output) << model.dump(2) << "\n";
  }
  std::cout << out.dump(2) << "\n";
  return converged ? 0 : kNotConverged;
}

int predict(const std::string& model_path, const std::string& spec_path, bool unseen_as_reference) {
  std::ifstream in(model_path);
  if (!in) detail::fail<value_error>("cannot open model '", model_path, "'");
  json model;
  try {
    model = json::parse(in);
  } catch (const json::exception& e) {
    detail::fail<value_error>("model '", model_path, "' is not valid JSON: ", e.what());
  }
  if (model.value("format", "") != "amalur-model" || model.value("version", 0) != 1)
    detail::fail<value_error>("'", model_path, "' is not an amalur model (format version 1)");
  if (!model.contains("coefficients"))
    detail::fail<value_error>("predict: the model has no coefficients (k-means models do not predict here)");
  const integration::spec s = integration::load_spec(spec_path);
  integration::prepared p;
  integration::prepare(s, p, false, false);  // every level kept: the model says which are references
  const auto& names = p.design->names;
  std::set<std::string> references;
  for (const auto& r : model.value("reference_levels", std::vector<std::string>{})) references.insert(r);
  Eigen::VectorXd beta(static_cast<index_t>(names.size()));
  for (std::size_t k = 0; k < names.size(); ++k) {
    const auto& c = model["coefficients"];
    if (c.contains(names[k]))
      beta[static_cast<index_t>(k)] = c[names[k]].get<double>();
    else if (references.count(names[k]) || unseen_as_reference)
      beta[static_cast<index_t>(k)] = 0.0;
    else
      detail::fail<value_error>("predict: feature '", names[k], "' was not seen in training",
                                " (--unseen-as-reference treats unseen levels as the reference)");
  }
  for (const auto& [name, value] : model["coefficients"].items())
    if (std::find(names.begin(), names.end(), name) == names.end() && name.find('=') == std::string::npos)
      detail::fail<value_error>("predict: the spec has no feature '", name, "' that the model needs");
  const family f = integration::model_spec{model.value("family", "gaussian"), model.value("link", std::string()),
                                           true}
                       .glm_family();
  Eigen::VectorXd eta = p.design->matrix * beta;
  eta.array() += model.value("intercept", 0.0);
  std::cout << "linear_predictor,prediction\n";
  std::cout.precision(17);
  for (index_t i = 0; i < eta.size(); ++i) std::cout << eta[i] << "," << f.mean(eta[i]) << "\n";
  return 0;
}

int explain_spec(const std::string& spec_path) {
  const integration::spec s = integration::load_spec(spec_path);
  integration::prepared p;
  integration::prepare(s, p, s.model.intercept && !s.model.is_kmeans());
  const auto& t = p.design->matrix;
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
  CLI::App app{"amalur: factorized learning over data-integration metadata"};
  app.require_subcommand(1);
  std::string spec_path, model_path, strategy_name = "auto", output;
  bool unseen_as_reference = false;
  auto* train_cmd = app.add_subcommand("train", "fit the spec's model; JSON on stdout");
  train_cmd->add_option("spec", spec_path, "spec JSON")->required();
  train_cmd->add_option("--strategy", strategy_name, "auto, factorized or materialized")
      ->check(CLI::IsMember({"auto", "factorized", "materialized"}));
  train_cmd->add_option("--output", output, "write the model here");
  auto* predict_cmd = app.add_subcommand("predict", "apply a model; CSV on stdout");
  predict_cmd->add_option("model", model_path, "model JSON from train --output")->required();
  predict_cmd->add_option("spec", spec_path, "spec JSON")->required();
  predict_cmd->add_flag("--unseen-as-reference", unseen_as_reference, "treat unseen levels as the reference level");
  auto* explain_cmd = app.add_subcommand("explain", "the cost model's estimates, without training");
  explain_cmd->add_option("spec", spec_path, "spec JSON")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kBadInput;
  }
  try {
    if (*train_cmd) return train(spec_path, strategy_name, output);
    if (*predict_cmd) return predict(model_path, spec_path, unseen_as_reference);
    return explain_spec(spec_path);
  } catch (const std::exception& e) {
    std::cerr << "amalur: " << e.what() << "\n";
    return kBadInput;
  }
}
