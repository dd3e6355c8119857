#pragma once
// The metadata catalog (target amalur::catalog): the data sources that can be
// connected, the named integrations over them, the trained models, and every
// training and inference run with its strategy, the cost model's estimates,
// measured seconds and metrics, for later reference and for the cost model,
// which corrects itself from the measured runs (history.hpp).
//
//   amalur::catalog::catalog c("runs.db");          // opened, checked, migrated
//   const auto id = c.write([&] { return c.add_run(run); });
//   for (const auto& r : c.runs()) std::cout << r["id"] << " " << r["metrics"] << "\n";
//
// Sources and integrations are upserted (the same content is the same
// record, so concurrent first uses do not collide); models and runs are
// added. Group the writes of one run in write(): all or nothing.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "amalur/catalog/database.hpp"
#include "amalur/catalog/fingerprint.hpp"
#include "amalur/catalog/history.hpp"
#include "amalur/catalog/records.hpp"

namespace amalur::catalog {

class catalog {
 public:
  explicit catalog(const std::string& path, const open_options& options = {}) : db_(path, options) {}

  const std::string& path() const { return db_.path(); }

  /// Runs `body()` in one transaction (see database::write).
  template <class Body>
  auto write(Body&& body) -> decltype(body()) {
    return db_.write(std::forward<Body>(body));
  }

  record_id add_source(const source_record& s) {
    return db_.read([&] {
      SQLite::Statement q(db_.connection(),
                          "INSERT INTO sources (name, location, silo, columns, row_count, fingerprint) "
                          "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name, location, fingerprint) "
                          "DO UPDATE SET silo = excluded.silo RETURNING id");
      bind_values(q, s.name, s.location, s.silo, s.columns, s.rows, s.fingerprint);
      q.executeStep();
      return q.getColumn(0).getInt64();
    });
  }

  record_id add_integration(const integration_record& r) {
    return db_.read([&] {
      SQLite::Statement q(db_.connection(),
                          "INSERT INTO integrations (name, structure, fingerprint, statistics) VALUES (?, ?, ?, ?) "
                          "ON CONFLICT (name, fingerprint) DO UPDATE SET statistics = excluded.statistics RETURNING id");
      bind_values(q, r.name, r.structure, r.fingerprint, r.statistics);
      q.executeStep();
      const record_id id = q.getColumn(0).getInt64();
      for (const record_id source : r.sources) {
        SQLite::Statement link(db_.connection(),
                               "INSERT OR IGNORE INTO integration_sources (integration_id, source_id) VALUES (?, ?)");
        bind_values(link, id, source);
        link.exec();
      }
      return id;
    });
  }

  record_id add_model(const model_record& m) {
    return db_.read([&] {
      SQLite::Statement q(db_.connection(),
                          "INSERT INTO models (integration_id, spec_fingerprint, features, fingerprint, model) "
                          "VALUES (?, ?, ?, ?, ?)");
      bind_values(q, m.integration, m.spec_fingerprint, m.features, fingerprint(m.text), m.text);
      q.exec();
      return db_.connection().getLastInsertRowid();
    });
  }

  record_id add_run(const run_record& r) {
    if (r.kind != "train" && r.kind != "predict") db_.fail("a run's kind is train or predict, not '" + r.kind + "'");
    return db_.read([&] {
      SQLite::Statement q(db_.connection(),
                          "INSERT INTO runs (started_at, kind, integration_id, model_id, hyper_parameters, strategy, "
                          "estimates, seconds, metrics, rows, threads, machine, machine_profile, status, correction) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      bind_values(q, r.started_at, r.kind, r.integration, r.model, r.hyper_parameters, r.strategy, r.estimates,
                  r.seconds, r.metrics, r.rows, r.threads, r.machine, r.machine_profile, r.status, r.correction);
      q.exec();
      return db_.connection().getLastInsertRowid();
    });
  }

  /// Logs one measured run of an operator (or a whole fit) on `machine`.
  void add_measurement(std::optional<record_id> run, const std::string& machine, const measurement& m) {
    if (!(m.estimated_seconds > 0) || !(m.measured_seconds > 0) || m.used == strategy::automatic)
      db_.fail("a measurement needs positive seconds and the strategy that ran (factorized or materialized)");
    db_.read([&] {
      SQLite::Statement q(db_.connection(),
                          "INSERT INTO measurements (run_id, machine, operation, strategy, estimated_seconds, "
                          "measured_seconds, rows, cols, tuple_ratio) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
      bind_values(q, run, machine, m.operation, std::string(name_of(m.used)), m.estimated_seconds, m.measured_seconds,
                  m.rows, m.cols, m.tuple_ratio);
      q.exec();
    });
  }

  /// This machine's measured runs.
  std::vector<measurement> measurements(const std::string& machine) {
    return db_.read([&] {
      std::vector<measurement> out;
      SQLite::Statement q(db_.connection(),
                          "SELECT operation, strategy, estimated_seconds, measured_seconds, rows, cols, tuple_ratio "
                          "FROM measurements WHERE machine = ? ORDER BY id");
      q.bind(1, machine);
      while (q.executeStep()) {
        measurement m;
        m.operation = q.getColumn(0).getString();
        m.used = q.getColumn(1).getString() == "materialized" ? strategy::materialized : strategy::factorized;
        m.estimated_seconds = q.getColumn(2).getDouble();
        m.measured_seconds = q.getColumn(3).getDouble();
        m.rows = q.getColumn(4).getDouble();
        m.cols = q.getColumn(5).getDouble();
        m.tuple_ratio = q.getColumn(6).getDouble();
        out.push_back(std::move(m));
      }
      return out;
    });
  }

  /// The cost model's correction for a T of `rows` x `cols` at `tuple_ratio` on `machine`, from history.
  cost_correction correction(const std::string& machine, double rows, double cols, double tuple_ratio = 1,
                             const history_rule& rule = {}) {
    return fit_correction(measurements(machine), rows, cols, tuple_ratio, rule);
  }

  // ---- queries: JSON objects, newest first --------------------------------

  nlohmann::json runs() { return select_runs("", {}); }
  nlohmann::json run(record_id id) {
    const auto found = select_runs("WHERE r.id = ?", {id});
    if (found.empty()) amalur::detail::fail<value_error>("catalog '", path(), "' has no run ", id);
    return found[0];
  }
  nlohmann::json sources() {
    return rows_of("SELECT id, name, location, silo, columns, row_count, fingerprint, registered_at FROM sources "
                   "ORDER BY id DESC",
                   {"id", "name", "location", "silo", "columns*", "rows", "fingerprint", "registered_at"});
  }
  nlohmann::json integrations() {
    return rows_of("SELECT i.id, i.name, i.structure, i.fingerprint, i.statistics, i.registered_at, "
                   "(SELECT json_group_array(source_id) FROM integration_sources WHERE integration_id = i.id) "
                   "FROM integrations i ORDER BY i.id DESC",
                   {"id", "name", "structure*", "fingerprint", "statistics*", "registered_at", "sources*"});
  }
  nlohmann::json models() {
    return rows_of("SELECT m.id, m.created_at, i.name, m.spec_fingerprint, m.features, m.fingerprint, "
                   "json_extract(m.model, '$.family') FROM models m LEFT JOIN integrations i ON i.id = m.integration_id "
                   "ORDER BY m.id DESC",
                   {"id", "created_at", "integration", "spec_fingerprint", "features*", "fingerprint", "family"});
  }

  /// The model file of model `id`, byte for byte as train wrote it.
  std::string model_text(record_id id) {
    return db_.read([&] {
      SQLite::Statement q(db_.connection(), "SELECT model FROM models WHERE id = ?");
      q.bind(1, id);
      if (!q.executeStep()) amalur::detail::fail<value_error>("catalog '", path(), "' has no model ", id);
      return q.getColumn(0).getString();
    });
  }
  /// The model whose file is `text`, if the catalog holds it.
  std::optional<record_id> model_with_text(const std::string& text) {
    return db_.read([&]() -> std::optional<record_id> {
      SQLite::Statement q(db_.connection(), "SELECT id FROM models WHERE fingerprint = ? AND model = ? LIMIT 1");
      q.bind(1, fingerprint(text));
      q.bind(2, text);
      if (!q.executeStep()) return std::nullopt;
      return q.getColumn(0).getInt64();
    });
  }

  /// Whether a larger value of `metric` is better (auc) or a smaller one (rmse).
  static bool higher_is_better(const std::string& metric) {
    for (const char* m : {"auc", "accuracy", "f1", "r_squared", "deviance_explained"})
      if (metric == m) return true;
    for (const char* m : {"rmse", "deviance", "log_loss", "inertia"})
      if (metric == m) return false;
    amalur::detail::fail<value_error>("unknown metric '", metric,
                                      "' (auc, accuracy, f1, r_squared, deviance_explained, rmse, deviance, log_loss, inertia)");
  }
  /// The training run of integration `name` with the best `metric`, or null when none has it.
  nlohmann::json best(const std::string& integration, const std::string& metric) {
    const bool higher = higher_is_better(metric);
    const auto found = select_runs(std::string("WHERE r.kind = 'train' AND i.name = ? AND json_extract(r.metrics, ?) "
                                               "IS NOT NULL ORDER BY json_extract(r.metrics, ?) ") +
                                       (higher ? "DESC" : "ASC") + ", r.id ASC LIMIT 1",
                                   {integration, "$." + metric, "$." + metric}, false);
    return found.empty() ? nlohmann::json(nullptr) : found[0];
  }

 private:
  // One bind per value, in order: JSON as its text (null as NULL), an empty optional as NULL.
  static void bind_one(SQLite::Statement& q, int at, const std::string& v) { q.bind(at, v); }
  static void bind_one(SQLite::Statement& q, int at, double v) { q.bind(at, v); }
  static void bind_one(SQLite::Statement& q, int at, std::int64_t v) { q.bind(at, v); }
  static void bind_one(SQLite::Statement& q, int at, int v) { q.bind(at, v); }
  static void bind_one(SQLite::Statement& q, int at, const nlohmann::json& v) {
    if (v.is_null()) q.bind(at);
    else q.bind(at, v.dump());
  }
  template <class T>
  static void bind_one(SQLite::Statement& q, int at, const std::optional<T>& v) {
    if (v) bind_one(q, at, static_cast<std::int64_t>(*v));
    else q.bind(at);
  }
  template <class... Values>
  static void bind_values(SQLite::Statement& q, const Values&... values) {
    int at = 0;
    (bind_one(q, ++at, values), ...);
  }
  static nlohmann::json parsed(const SQLite::Column& c) {
    return c.isNull() ? nlohmann::json(nullptr) : nlohmann::json::parse(c.getString());
  }
  static nlohmann::json value_of(const SQLite::Column& c) {
    if (c.isNull()) return nullptr;
    if (c.isInteger()) return c.getInt64();
    if (c.isFloat()) return c.getDouble();
    return c.getString();
  }
  using parameter = std::variant<record_id, std::string>;
  static void bind_all(SQLite::Statement& q, const std::vector<parameter>& parameters) {
    for (std::size_t k = 0; k < parameters.size(); ++k) {
      const int at = static_cast<int>(k) + 1;
      if (const auto* id = std::get_if<record_id>(&parameters[k])) q.bind(at, *id);
      else q.bind(at, std::get<std::string>(parameters[k]));
    }
  }
  /// Rows as JSON objects; a name ending in '*' holds JSON text.
  nlohmann::json rows_of(const std::string& sql, const std::vector<std::string>& names) {
    return db_.read([&] {
      nlohmann::json out = nlohmann::json::array();
      SQLite::Statement q(db_.connection(), sql);
      while (q.executeStep()) {
        nlohmann::json row = nlohmann::json::object();
        for (std::size_t k = 0; k < names.size(); ++k) {
          const auto column = q.getColumn(static_cast<int>(k));
          const bool is_json = names[k].back() == '*';
          const std::string name = is_json ? names[k].substr(0, names[k].size() - 1) : names[k];
          row[name] = is_json ? parsed(column) : value_of(column);
        }
        out.push_back(std::move(row));
      }
      return out;
    });
  }
  nlohmann::json select_runs(const std::string& where, const std::vector<parameter>& parameters,
                             bool newest_first = true) {
    return db_.read([&] {
      nlohmann::json out = nlohmann::json::array();
      SQLite::Statement q(db_.connection(),
                          "SELECT r.id, r.kind, r.started_at, r.strategy, r.model_id, i.name, r.metrics, r.seconds, "
                          "r.hyper_parameters, r.estimates, r.correction, r.rows, r.threads, r.machine, "
                          "r.machine_profile, r.status FROM runs r LEFT JOIN integrations i ON i.id = r.integration_id " +
                              where + (newest_first ? " ORDER BY r.id DESC" : ""));
      bind_all(q, parameters);
      while (q.executeStep()) {
        out.push_back({{"id", q.getColumn(0).getInt64()},
                       {"kind", q.getColumn(1).getString()},
                       {"started_at", q.getColumn(2).getString()},
                       {"strategy", q.getColumn(3).getString()},
                       {"model", value_of(q.getColumn(4))},
                       {"integration", value_of(q.getColumn(5))},
                       {"metrics", parsed(q.getColumn(6))},
                       {"seconds", parsed(q.getColumn(7))},
                       {"hyper_parameters", parsed(q.getColumn(8))},
                       {"estimates", parsed(q.getColumn(9))},
                       {"correction", parsed(q.getColumn(10))},
                       {"rows", q.getColumn(11).getInt64()},
                       {"threads", q.getColumn(12).getInt()},
                       {"machine", q.getColumn(13).getString()},
                       {"machine_profile", parsed(q.getColumn(14))},
                       {"status", q.getColumn(15).getString()}});
      }
      return out;
    });
  }

  database db_;
};

}  // namespace amalur::catalog
