#pragma once
// The model file (target amalur::io): what `train --output` writes and
// `predict` reads. Besides the coefficients it records what predict must
// check: the feature names, the reference levels, and the structure of the
// integration that produced them (base table, joins with their kinds and
// keys, feature definitions; never paths, row counts or data, so a model
// applies to new files of the same schema). A spec whose structure differs
// is an error naming the first difference.

#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "amalur/integration/spec.hpp"

namespace amalur::integration {

constexpr int model_format_version = 2;

/// The structure of a spec that a model depends on, as JSON.
inline nlohmann::ordered_json structure_of(const spec& s) {
  nlohmann::ordered_json joins = nlohmann::ordered_json::array(), features = nlohmann::ordered_json::array();
  for (const auto& j : s.joins) {
    nlohmann::ordered_json on = nlohmann::ordered_json::array();
    for (const auto& [l, r] : j.on) on.push_back({l, r});
    joins.push_back({{"table", j.table},
                     {"as", j.alias.empty() ? j.table : j.alias},
                     {"kind", j.kind == join_kind::inner ? "inner" : j.kind == join_kind::left ? "left" : "full"},
                     {"on", on},
                     {"unmatched", j.unmatched == unmatched_policy::zeros  ? "zeros"
                                   : j.unmatched == unmatched_policy::error ? "error"
                                                                            : "drop"},
                     {"many_to_many", j.many_to_many}});
  }
  for (const auto& f : s.features)
    features.push_back({{"name", feature_key(f)},
                        {"column", f.column},
                        {"coalesce", f.coalesce},
                        {"encoding", f.onehot ? "onehot" : "numeric"},
                        {"derive", f.derive}});
  return {{"base", s.base}, {"joins", joins}, {"features", features}, {"standardize", s.model.standardize}};
}

/// A model as predict needs it.
struct model_file {
  std::map<std::string, double> coefficients;
  double intercept = 0;
  std::set<std::string> reference_levels;
  std::string family = "gaussian", link;
  nlohmann::ordered_json structure;
};

/// Parses and checks a model file's text; `path` names it in messages.
inline model_file parse_model(const std::string& text, const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    amalur::detail::fail<value_error>("model '", path, "' is not valid JSON: ", e.what());
  }
  if (!j.is_object() || j.value("format", nlohmann::json()) != "amalur-model")
    amalur::detail::fail<value_error>("'", path, "' is not an amalur model (no \"format\": \"amalur-model\")");
  if (j.value("version", nlohmann::json()) != model_format_version)
    amalur::detail::fail<value_error>("model '", path, "' has format version ", j.value("version", nlohmann::json()).dump(),
                                      "; this amalur reads version ", model_format_version, " (retrain the model)");
  auto fail_field = [&](const char* field, const char* what) {
    amalur::detail::fail<value_error>("model '", path, "': \"", field, "\" ", what);
  };
  model_file m;
  if (!j.contains("coefficients") || !j["coefficients"].is_object())
    fail_field("coefficients", "is missing (k-means models do not predict here)");
  for (const auto& [name, value] : j["coefficients"].items()) {
    if (!value.is_number() || !std::isfinite(value.get<double>())) fail_field("coefficients", "must hold finite numbers");
    m.coefficients[name] = value.get<double>();
  }
  const auto intercept = j.value("intercept", nlohmann::json(0.0));
  if (!intercept.is_number() || !std::isfinite(intercept.get<double>())) fail_field("intercept", "must be a finite number");
  m.intercept = intercept.get<double>();
  const auto references = j.value("reference_levels", nlohmann::json::array());
  if (!references.is_array()) fail_field("reference_levels", "must be a list of names");
  for (const auto& r : references) {
    if (!r.is_string()) fail_field("reference_levels", "must be a list of names");
    m.reference_levels.insert(r.get<std::string>());
  }
  const auto family = j.value("family", nlohmann::json("gaussian")), link = j.value("link", nlohmann::json(""));
  if (!family.is_string() || !link.is_string()) fail_field("family", "and \"link\" must be names");
  m.family = family.get<std::string>();
  m.link = link.get<std::string>();
  static_cast<void>(model_spec{m.family, m.link.empty() ? std::nullopt : std::optional<std::string>(m.link), true}
                        .glm_family());  // a known family and link
  if (!j.contains("structure") || !j["structure"].is_object()) fail_field("structure", "is missing");
  m.structure = nlohmann::ordered_json::parse(j["structure"].dump());
  return m;
}

/// Fails naming the first difference between the model's structure and the spec's.
inline void check_structure(const model_file& m, const spec& s) {
  const auto now = structure_of(s);
  const auto& was = m.structure;
  auto text = [](const nlohmann::ordered_json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  if (was.value("base", nlohmann::ordered_json()) != now["base"])
    amalur::detail::fail<value_error>("predict: the model was trained with base table '", text(was.value("base", nlohmann::ordered_json())),
                                      "' but the spec's is '", s.base, "'");
  const auto features = was.value("features", nlohmann::ordered_json::array());
  for (const auto& f : features) {
    const auto name = f.value("name", nlohmann::ordered_json(""));
    bool found = false;
    for (const auto& g : now["features"])
      if (g["name"] == name) {
        found = true;
        for (const char* field : {"column", "coalesce", "encoding", "derive"})
          if (f.value(field, nlohmann::ordered_json()) != g[field])
            amalur::detail::fail<value_error>("predict: feature '", text(name), "' has ", field, " ", g[field].dump(),
                                              " in the spec but ", f.value(field, nlohmann::ordered_json()).dump(),
                                              " in the model");
      }
    if (!found)
      amalur::detail::fail<value_error>("predict: the model's feature '", text(name), "' is missing from the spec");
  }
  for (const auto& g : now["features"]) {
    bool known = false;
    for (const auto& f : features) known = known || f.value("name", nlohmann::ordered_json()) == g["name"];
    if (!known)
      amalur::detail::fail<value_error>("predict: the spec's feature '", text(g["name"]),
                                        "' was not in the model's training");
  }
  const auto joins = was.value("joins", nlohmann::ordered_json::array());
  for (std::size_t k = 0; k < std::max(joins.size(), now["joins"].size()); ++k) {
    if (k >= joins.size() || k >= now["joins"].size())
      amalur::detail::fail<value_error>("predict: the model was trained with ", joins.size(), " joins, the spec has ",
                                        now["joins"].size());
    for (const auto& [field, value] : now["joins"][k].items())
      if (joins[k].value(field, nlohmann::ordered_json()) != value)
        amalur::detail::fail<value_error>("predict: join '", text(now["joins"][k]["as"]), "' has ", field, " ",
                                          value.dump(), " in the spec but ",
                                          joins[k].value(field, nlohmann::ordered_json()).dump(), " in the model");
  }
}

}  // namespace amalur::integration
