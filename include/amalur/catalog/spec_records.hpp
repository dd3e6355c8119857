#pragma once
// From a spec and its prepared data to the catalog's records: one source per
// spec table (its files or SQLite table, silo, typed columns, rows, content
// fingerprint), the integration (named by the spec; its structure and match
// statistics), and what identifies this machine.

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>

#include "amalur/catalog/fingerprint.hpp"
#include "amalur/catalog/records.hpp"
#include "amalur/catalog/sqlite_table.hpp"
#include "amalur/integration/model_file.hpp"
#include "amalur/integration/spec.hpp"
#include "amalur/io/profile_json.hpp"

namespace amalur::catalog {

/// Lets `s` read its SQLite tables ({"sqlite": ..., "table"|"query": ...}).
inline void read_sqlite_sources(integration::spec& s, double busy_timeout_seconds = 30) {
  s.read_database = [busy_timeout_seconds](const std::string& path, const integration::database_table& d,
                                           const std::string& name) {
    return read_sqlite_table(path, d.table, d.query, name, busy_timeout_seconds);
  };
}

/// Where table `name` of `s` lives: its file(s), "FILE.db#table" or "FILE.db?query".
inline std::string location_of(const integration::spec& s, const std::string& name) {
  std::string out;
  for (const auto& part : s.tables.at(name)) {
    std::error_code ec;
    auto full = std::filesystem::absolute(s.directory / part, ec).lexically_normal().string();
    if (ec) full = (s.directory / part).string();
    out += (out.empty() ? "" : " + ") + full;
  }
  if (const auto d = s.database_tables.find(name); d != s.database_tables.end())
    out += d->second.table.empty() ? "?" + d->second.query : "#" + d->second.table;
  return out;
}

/// Where and whose table `name` of `s` is, without its columns, rows or
/// content: all a silo-mode aggregator knows, since those stay in the silo.
inline source_record source_of(const integration::spec& s, const std::string& name) {
  source_record r;
  r.name = name;
  r.location = location_of(s, name);
  if (const auto silo = s.silo_of_table.find(name); silo != s.silo_of_table.end()) r.silo = silo->second;
  if (const auto parts = s.silo_of_part.find(name); parts != s.silo_of_part.end())
    for (const auto& silo : parts->second)  // a union split across silos: all of them, in order
      if (!silo.empty() && ("," + r.silo + ",").find("," + silo + ",") == std::string::npos)
        r.silo += (r.silo.empty() ? "" : ",") + silo;
  r.rows = std::nullopt;
  r.fingerprint = "";  // unknown: the aggregator never sees the content
  return r;
}

/// The catalog's record of a loaded table.
inline source_record source_of(const integration::spec& s, const std::string& name, const io::table& t) {
  source_record r = source_of(s, name);
  for (const auto& c : t.columns) r.columns.push_back({{"name", c.name}, {"type", io::name_of(c.kind)}});
  r.rows = t.rows;
  r.fingerprint = fingerprint(t);
  return r;
}

/// The integration's structure: tables (parts and silos), base, joins with
/// kinds and keys, features; never paths or data.
inline nlohmann::json integration_structure(const integration::spec& s) {
  nlohmann::json tables = nlohmann::json::object();
  for (const auto& [name, parts] : s.tables) {
    nlohmann::json t = {{"parts", parts.size()}, {"kind", s.database_tables.count(name) ? "sqlite" : "csv"}};
    if (const auto silo = s.silo_of_table.find(name); silo != s.silo_of_table.end()) t["silo"] = silo->second;
    tables[name] = t;
  }
  nlohmann::json out = nlohmann::json::parse(integration::structure_of(s).dump());
  out["tables"] = tables;
  return out;
}

/// The integration record of `s` with `statistics` (what integrating its data found).
inline integration_record integration_of(const integration::spec& s, nlohmann::json statistics) {
  integration_record r;
  r.name = s.name;
  r.structure = integration_structure(s);
  r.fingerprint = fingerprint(r.structure.dump());
  r.statistics = std::move(statistics);
  return r;
}

/// The record of a model trained on `s`'s integration: its file's text, the
/// features, and the fingerprint of the structure the model depends on.
inline model_record model_of(const integration::spec& s, record_id integration, const std::vector<std::string>& features,
                             const std::string& text) {
  return {integration, fingerprint(integration::structure_of(s).dump()), features, text};
}

/// Rows per join alias, as the statistics record them.
inline nlohmann::json counts_json(const std::map<std::string, index_t>& counts) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [alias, count] : counts) out[alias] = count;
  return out;
}

/// The integration record of `s`, with what joining its data found.
inline integration_record integration_of(const integration::spec& s, const integration::integrated_rows& rows) {
  return integration_of(s, {{"rows", rows.rows}, {"matched", counts_json(rows.matched)},
                            {"unmatched", counts_json(rows.unmatched)}});
}

/// This machine's name, which keys its measured runs.
inline std::string machine_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "unknown";
  return host;
}

/// Now, as ISO 8601 UTC with milliseconds.
inline std::string now_utc() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03dZ", text, static_cast<int>(ms));
  return out;
}

/// The correction as a run stores it (null when none applied).
inline nlohmann::json correction_json(const cost_correction& c) {
  if (c.empty()) return nullptr;
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t k = 0; k < operation_count; ++k) {
    if (c.evidence[k] == 0) continue;
    out[key_of(static_cast<operation>(k))] = {
        {"factorized", c.factorized[k]}, {"materialized", c.materialized[k]}, {"runs", c.evidence[k]}};
  }
  return out;
}

}  // namespace amalur::catalog
