#pragma once
// `amalur catalog ...`: what the catalog holds, as text or JSON.
//   amalur catalog runs|sources|models|integrations --catalog FILE.db [--json]
//   amalur catalog show ID --catalog FILE.db          (one run, JSON)
//   amalur catalog best --integration NAME --metric auc --catalog FILE.db

#include <iostream>
#include <string>

#include <amalur/catalog/catalog.hpp>

namespace amalur_cli {

struct catalog_query {
  std::string what;  // runs, sources, models, integrations, show, best
  std::string path;
  double timeout = 30;
  bool json = false;
  std::int64_t id = 0;
  std::string integration, metric;
};

/// A record's scalar fields on one line, "key=value" separated by two spaces.
inline std::string one_line(const nlohmann::json& record) {
  std::string out;
  for (const auto& [key, value] : record.items()) {
    if (value.is_object() || value.is_array()) continue;
    out += (out.empty() ? "" : "  ") + key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out;
}

/// A run's line: its scalars, then its metrics and total seconds.
inline std::string run_line(const nlohmann::json& run) {
  nlohmann::json shown = {{"id", run["id"]},           {"kind", run["kind"]},         {"started_at", run["started_at"]},
                          {"integration", run["integration"]}, {"strategy", run["strategy"]}, {"model", run["model"]},
                          {"status", run["status"]}};
  double total = 0;
  for (const auto& [phase, seconds] : run["seconds"].items())
    if (seconds.is_number()) total += seconds.get<double>();
  std::string out = one_line(shown) + "  seconds=" + std::to_string(total);
  for (const auto& [name, value] : run["metrics"].items())
    if (value.is_number()) out += "  " + name + "=" + value.dump();
  return out;
}

inline int run_catalog_query(const catalog_query& q) {
  amalur::catalog::catalog c(q.path, {amalur::catalog::access::read, q.timeout});
  if (q.what == "show") {
    std::cout << c.run(q.id).dump(2) << "\n";
    return 0;
  }
  if (q.what == "best") {
    const auto best = c.best(q.integration, q.metric);
    if (best.is_null())
      amalur::detail::fail<amalur::value_error>("no training run of integration '", q.integration,
                                                "' has the metric '", q.metric, "'");
    std::cout << best.dump(2) << "\n";
    return 0;
  }
  const nlohmann::json records = q.what == "runs"      ? c.runs()
                                 : q.what == "sources" ? c.sources()
                                 : q.what == "models"  ? c.models()
                                                       : c.integrations();
  if (q.json) {
    std::cout << records.dump(2) << "\n";
    return 0;
  }
  for (const auto& r : records) std::cout << (q.what == "runs" ? run_line(r) : one_line(r)) << "\n";
  return 0;
}

}  // namespace amalur_cli
