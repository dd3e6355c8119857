#pragma once
// What the catalog stores, one struct per table (the schema is in
// database.hpp and the README). JSON fields stay JSON: the catalog is
// queried by people and by `amalur catalog`, not joined on them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace amalur::catalog {

using record_id = std::int64_t;

/// A data source that can be connected: a table of a spec, in one silo.
struct source_record {
  std::string name;      // the table's name in the spec
  std::string location;  // its file(s), or "FILE.db#table" / "FILE.db?query"
  std::string silo;      // "" = the aggregator's, "*" = public reference data
  nlohmann::json columns = nlohmann::json::array();  // [{"name": ..., "type": "integer"|"real"|"text"}]
  std::optional<std::int64_t> rows;  // unknown where the data stay in a silo
  std::string fingerprint;           // of the content; a change is a new source record
};

/// A named integration: its structure (joins, unions, keys, features) and
/// what the last integration saw (rows, matched and unmatched rows per join).
struct integration_record {
  std::string name;
  nlohmann::json structure = nlohmann::json::object();
  std::string fingerprint;  // of the structure
  nlohmann::json statistics = nlohmann::json::object();
  std::vector<record_id> sources;
};

/// A trained model: the model file, byte for byte, and what it was trained on.
struct model_record {
  std::optional<record_id> integration;
  std::string spec_fingerprint;
  nlohmann::json features = nlohmann::json::array();
  std::string text;  // the model file (integration/model_file.hpp)
};

/// One training or inference run.
struct run_record {
  std::string started_at;  // ISO 8601, UTC
  std::string kind = "train";  // "train" or "predict"
  std::optional<record_id> integration, model;
  nlohmann::json hyper_parameters = nlohmann::json::object();
  std::string strategy;   // requested and chosen: "factorized", "materialized", "mixed"
  nlohmann::json estimates = nlohmann::json::array();  // the cost model's, for both strategies
  nlohmann::json correction;                           // the history correction used, or null
  nlohmann::json seconds = nlohmann::json::object();   // measured, per phase
  nlohmann::json metrics = nlohmann::json::object();
  std::int64_t rows = 0;
  int threads = 1;
  std::string machine;
  nlohmann::json machine_profile = nlohmann::json::object();
  std::string status;  // "converged", "not_converged", "done"
};

}  // namespace amalur::catalog
