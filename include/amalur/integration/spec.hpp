#pragma once
// The JSON spec of an integration and a model (target amalur::io), as the
// `amalur` program reads it. Paths are relative to the spec file.
//
// {"tables": {"flights": {"path": "flights.csv"}, "airports": {"path": "airports.csv"}},
//  "base": "flights",
//  "joins": [{"table": "airports", "as": "o", "kind": "left", "on": [["origin", "iata"]]}],
//  "features": [{"column": "flights.distance"}, {"column": "o.state", "encoding": "onehot"},
//               {"column": "flights.date", "derive": "hour", "encoding": "onehot"},
//               {"coalesce": ["a.weight", "b.weight"], "name": "weight"}],
//  "label": {"column": "flights.delay", "threshold": 15},
//  "model": {"family": "binomial", "link": "logit", "intercept": true, "l2": 0, "l1": 0,
//            "max_iterations": 100, "tolerance": 1e-10}}
// A table may be a union of files: {"union": ["jan.csv", "feb.csv"]}.
// A join may add "unmatched": "zeros" | "error" | "drop" and "many_to_many": true.
// The model may add "standardize": true, or be {"family": "kmeans", "k": 8, "seed": 1}.

#include <chrono>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "amalur/integration/features.hpp"
#include "amalur/io/csv.hpp"
#include "amalur/models/family.hpp"

namespace amalur::integration {

struct model_spec {
  std::string family = "gaussian";
  std::optional<std::string> link;
  bool intercept = true;
  double l2 = 0, l1 = 0;
  int max_iterations = 100;
  double tolerance = 1e-10;
  bool standardize = false;
  index_t k = 8;            // k-means
  std::uint64_t seed = 1;   // k-means
  bool is_kmeans() const { return family == "kmeans"; }
  amalur::family glm_family() const {
    static const std::map<std::string, family_kind> families = {{"gaussian", family_kind::gaussian},
                                                                {"binomial", family_kind::binomial},
                                                                {"poisson", family_kind::poisson},
                                                                {"gamma", family_kind::gamma}};
    static const std::map<std::string, link_kind> links = {{"identity", link_kind::identity},
                                                           {"logit", link_kind::logit},
                                                           {"log", link_kind::log},
                                                           {"inverse", link_kind::inverse}};
    const auto f = families.find(family);
    if (f == families.end())
      amalur::detail::fail<value_error>("model: unknown family '", family, "' (gaussian, binomial, poisson, gamma, kmeans)");
    if (!link) return amalur::family(f->second);
    const auto l = links.find(*link);
    if (l == links.end()) amalur::detail::fail<value_error>("model: unknown link '", *link, "' (identity, logit, log, inverse)");
    return amalur::family(f->second, l->second);
  }
};

struct spec {
  std::filesystem::path directory;
  std::map<std::string, std::vector<std::string>> tables;  // name -> file(s); several = a union
  std::string base;
  std::vector<join_spec> joins;
  std::vector<feature_spec> features;
  std::string label;
  std::optional<double> threshold;
  model_spec model;
};

namespace detail {
template <class T>
T get(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) amalur::detail::fail<value_error>("spec: ", where, " needs \"", key, "\"");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    amalur::detail::fail<value_error>("spec: ", where, ".", key, " has the wrong type");
  }
}
template <class T>
T get_or(const nlohmann::json& j, const char* key, T fallback, const std::string& where) {
  return j.contains(key) ? get<T>(j, key, where) : fallback;
}
}  // namespace detail

inline spec parse_spec(const nlohmann::json& j, const std::filesystem::path& directory) {
  if (!j.is_object()) amalur::detail::fail<value_error>("spec: the top level must be a JSON object");
  spec s;
  s.directory = directory;
  const auto tables = detail::get<nlohmann::json>(j, "tables", "the spec");
  if (!tables.is_object() || tables.empty()) amalur::detail::fail<value_error>("spec: \"tables\" must name at least one table");
  for (const auto& [name, t] : tables.items()) {
    if (t.contains("union"))
      s.tables[name] = detail::get<std::vector<std::string>>(t, "union", "tables." + name);
    else
      s.tables[name] = {detail::get<std::string>(t, "path", "tables." + name)};
  }
  s.base = detail::get<std::string>(j, "base", "the spec");
  if (!s.tables.count(s.base)) amalur::detail::fail<value_error>("spec: the base table '", s.base, "' is not in \"tables\"");
  for (const auto& jj : detail::get_or<nlohmann::json>(j, "joins", nlohmann::json::array(), "the spec")) {
    join_spec js;
    js.table = detail::get<std::string>(jj, "table", "a join");
    js.alias = detail::get_or<std::string>(jj, "as", js.table, "join " + js.table);
    const std::string where = "join " + js.alias;
    const std::string kind = detail::get_or<std::string>(jj, "kind", "left", where);
    if (kind == "inner") js.kind = join_kind::inner;
    else if (kind == "left") js.kind = join_kind::left;
    else if (kind == "full") js.kind = join_kind::full;
    else amalur::detail::fail<value_error>("spec: ", where, ": unknown kind '", kind, "' (inner, left, full)");
    for (const auto& pair : detail::get<nlohmann::json>(jj, "on", where)) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
        amalur::detail::fail<value_error>("spec: ", where, ": each \"on\" entry is [left column, right column]");
      js.on.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
    const std::string unmatched = detail::get_or<std::string>(jj, "unmatched", "zeros", where);
    if (unmatched == "zeros") js.unmatched = unmatched_policy::zeros;
    else if (unmatched == "error") js.unmatched = unmatched_policy::error;
    else if (unmatched == "drop") js.unmatched = unmatched_policy::drop;
    else amalur::detail::fail<value_error>("spec: ", where, ": unknown unmatched '", unmatched, "' (zeros, error, drop)");
    js.many_to_many = detail::get_or<bool>(jj, "many_to_many", false, where);
    s.joins.push_back(std::move(js));
  }
  for (const auto& jf : detail::get<nlohmann::json>(j, "features", "the spec")) {
    feature_spec f;
    if (jf.contains("coalesce")) {
      f.coalesce = detail::get<std::vector<std::string>>(jf, "coalesce", "a feature");
      f.name = detail::get<std::string>(jf, "name", "a coalesced feature");
    } else {
      f.column = detail::get<std::string>(jf, "column", "a feature");
    }
    const std::string encoding = detail::get_or<std::string>(jf, "encoding", "numeric", "feature " + f.column);
    if (encoding != "numeric" && encoding != "onehot")
      amalur::detail::fail<value_error>("spec: feature ", f.column, ": unknown encoding '", encoding, "' (numeric, onehot)");
    f.onehot = encoding == "onehot";
    f.derive = detail::get_or<std::string>(jf, "derive", "", "feature " + f.column);
    s.features.push_back(std::move(f));
  }
  const auto label = detail::get<nlohmann::json>(j, "label", "the spec");
  s.label = detail::get<std::string>(label, "column", "label");
  if (label.contains("threshold")) s.threshold = detail::get<double>(label, "threshold", "label");
  const auto model = detail::get_or<nlohmann::json>(j, "model", nlohmann::json::object(), "the spec");
  s.model.family = detail::get_or<std::string>(model, "family", "gaussian", "model");
  if (model.contains("link")) s.model.link = detail::get<std::string>(model, "link", "model");
  s.model.intercept = detail::get_or<bool>(model, "intercept", true, "model");
  s.model.l2 = detail::get_or<double>(model, "l2", 0.0, "model");
  s.model.l1 = detail::get_or<double>(model, "l1", 0.0, "model");
  s.model.max_iterations = detail::get_or<int>(model, "max_iterations", 100, "model");
  s.model.tolerance = detail::get_or<double>(model, "tolerance", 1e-10, "model");
  s.model.standardize = detail::get_or<bool>(model, "standardize", false, "model");
  s.model.k = detail::get_or<index_t>(model, "k", 8, "model");
  s.model.seed = detail::get_or<std::uint64_t>(model, "seed", 1, "model");
  if (!s.model.is_kmeans()) static_cast<void>(s.model.glm_family());  // validates family and link now
  return s;
}

inline spec load_spec(const std::string& path) {
  std::ifstream in(path);
  if (!in) amalur::detail::fail<value_error>("cannot open spec '", path, "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    amalur::detail::fail<value_error>("spec '", path, "' is not valid JSON: ", e.what());
  }
  return parse_spec(j, std::filesystem::path(path).parent_path());
}

/// Tables loaded, rows integrated, features encoded, labels read.
struct prepared {
  std::map<std::string, io::table> tables;
  integrated_rows rows;
  std::optional<encoded_design> design;
  Eigen::VectorXd labels;
  double load_seconds = 0, prepare_seconds = 0;
  double megabytes = 0;  // CSV bytes read
};

inline void prepare(const spec& s, prepared& out, bool intercept, bool with_labels = true) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  for (const auto& [name, paths] : s.tables) {
    std::vector<io::table> parts;
    for (const auto& p : paths) {
      const auto full = (s.directory / p).string();
      out.megabytes += std::filesystem::exists(full) ? static_cast<double>(std::filesystem::file_size(full)) / 1e6 : 0;
      parts.push_back(io::read_csv(full, name));
    }
    out.tables.emplace(name, parts.size() == 1 ? std::move(parts[0]) : union_of(parts, name));
  }
  const auto t1 = clock::now();
  out.rows = join(out.tables, s.base, s.joins);
  out.design = encode(out.rows, s.features, intercept);
  if (with_labels) out.labels = label(out.rows, s.label, s.threshold);
  out.load_seconds = std::chrono::duration<double>(t1 - t0).count();
  out.prepare_seconds = std::chrono::duration<double>(clock::now() - t1).count();
}

}  // namespace amalur::integration
