// The SQLite catalog: round trips of every record, migration, two writer
// processes, damaged, locked, read-only and newer files, SQLite tables as
// sources, the program's --catalog runs, and the cost model's correction from
// history on held-out grid cells.

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include <amalur/catalog/catalog.hpp>
#include <amalur/catalog/spec_records.hpp>

#include "cli.hpp"

using namespace amalur;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

catalog::run_record sample_run(int k) {
  catalog::run_record r;
  r.started_at = "2026-11-26T10:00:00.000Z";
  r.kind = k % 2 ? "predict" : "train";
  r.hyper_parameters = {{"l2", 0.5 * k}};
  r.strategy = "factorized";
  r.estimates = json::array({{{"operation", "T * X"}, {"factorized_seconds", 0.25}}});
  r.seconds = {{"load", 0.5}, {"fit", 1.0 + k}};
  r.metrics = {{"auc", 0.5 + 0.01 * k}, {"rmse", 2.0 - 0.01 * k}};
  r.rows = 100 + k;
  r.threads = 1;
  r.machine = "test-machine";
  r.status = "converged";
  return r;
}

std::int64_t count_runs(const fs::path& db) {
  catalog::catalog c(db.string(), {catalog::access::read});
  return static_cast<std::int64_t>(c.runs().size());
}

std::string bytes_of(const fs::path& p) { return amalur_test::slurp(p); }

/// A small star as CSV files and as tables of one SQLite file, with the same values.
struct star_files {
  fs::path dir;
  explicit star_files(const fs::path& d) : dir(d) {
    std::mt19937_64 rng(11);
    std::ofstream orders(dir / "orders.csv"), customers(dir / "customers.csv");
    SQLite::Database db((dir / "silo.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE orders (id INTEGER, customer TEXT, amount REAL, y REAL);"
            "CREATE TABLE customers (key TEXT, age INTEGER, city TEXT, score REAL)");
    orders.precision(17);  // the CSV text round-trips to the very doubles SQLite stores
    customers.precision(17);
    orders << "id,customer,amount,y\n";
    customers << "key,age,city,score\n";
    const char* cities[] = {"Oslo", "Bergen, NO", "Tromso"};
    for (int c = 0; c < 12; ++c) {
      const std::string key = "c" + std::to_string(c);
      const int age = 20 + 3 * c;
      const double score = 0.25 * c - 1.0;
      customers << key << "," << age << ",\"" << cities[c % 3] << "\"," << score << "\n";
      SQLite::Statement q(db, "INSERT INTO customers VALUES (?, ?, ?, ?)");
      q.bind(1, key);
      q.bind(2, age);
      q.bind(3, std::string(cities[c % 3]));
      q.bind(4, score);
      q.exec();
    }
    for (int i = 0; i < 300; ++i) {
      const std::string customer = "c" + std::to_string(rng() % 14);  // c12, c13 have no customer row
      const double amount = static_cast<double>(rng() % 1000) / 8.0;
      const double y = 0.01 * amount + static_cast<double>(rng() % 100) / 50.0;
      orders << i << "," << customer << "," << amount << "," << y << "\n";
      SQLite::Statement q(db, "INSERT INTO orders VALUES (?, ?, ?, ?)");
      q.bind(1, i);
      q.bind(2, customer);
      q.bind(3, amount);
      q.bind(4, y);
      q.exec();
    }
  }
  /// The spec over the CSV files, or (`sqlite`) over the SQLite tables.
  fs::path spec(bool sqlite, const std::string& model = R"({"family": "gaussian"})") const {
    const std::string tables =
        sqlite ? R"({"orders": {"sqlite": "silo.db", "table": "orders"},
                     "customers": {"sqlite": "silo.db", "query": "SELECT * FROM customers ORDER BY rowid"}})"
               : R"({"orders": {"path": "orders.csv"}, "customers": {"path": "customers.csv"}})";
    const fs::path out = dir / (sqlite ? "sqlite.json" : "csv.json");
    std::ofstream(out) << R"({"name": "orders", "tables": )" << tables << R"(, "base": "orders",
      "joins": [{"table": "customers", "kind": "left", "on": [["customer", "key"]]}],
      "features": [{"column": "orders.amount"}, {"column": "customers.age"}, {"column": "customers.score"},
                   {"column": "customers.city", "encoding": "onehot"}],
      "label": {"column": "orders.y"}, "model": )"
                       << model << "}";
    return out;
  }
};

/// Runs the program; `status` is its exit status.
json cli(const fs::path& dir, const std::string& args, int& status, std::string* err = nullptr) {
  const auto r = amalur_test::run_cli(dir, args);
  status = r.status;
  if (err) *err = r.err;
  return r.out.empty() || r.out[0] != '{' ? json() : r.parsed();
}

}  // namespace

TEST_CASE("catalog: every record kind round-trips, sources and integrations are upserts", "[catalog]") {
  const auto dir = amalur_test::scratch("catalog", "round_trip");
  const std::string path = (dir / "c.db").string();
  catalog::catalog c(path);
  catalog::source_record s{"airports", "/data/airports.csv", "*", json::array({{{"name", "iata"}, {"type", "text"}}}),
                           3376, "0123456789abcdef"};
  const auto [source, again, changed] = c.write([&] {
    const auto first = c.add_source(s);
    const auto same = c.add_source(s);
    catalog::source_record other = s;
    other.fingerprint = "fedcba9876543210";  // new content: a new record
    return std::tuple{first, same, c.add_source(other)};
  });
  CHECK(source == again);
  CHECK(changed != source);
  catalog::integration_record i{"flights", {{"base", "flights"}}, "aaaa", {{"rows", 10}}, {source, changed}};
  const auto integration = c.write([&] { return c.add_integration(i); });
  i.statistics = {{"rows", 11}};
  CHECK(c.write([&] { return c.add_integration(i); }) == integration);
  const auto model = c.write([&] {
    return c.add_model({integration, "spec-fp", json::array({"x", "o.state=CA"}), "{\n  \"format\": \"amalur-model\"\n}\n"});
  });
  catalog::run_record r = sample_run(0);
  r.integration = integration;
  r.model = model;
  r.correction = {{"multiply", {{"factorized", 1.5}, {"materialized", 0.5}, {"runs", 6}}}};
  const auto run = c.write([&] { return c.add_run(r); });
  c.write([&] { c.add_measurement(run, "m1", {"multiply", strategy::materialized, 0.5, 0.75, 1000, 20}); });

  const json sources = c.sources();
  REQUIRE(sources.size() == 2);
  CHECK(sources[1]["name"] == "airports");
  CHECK(sources[1]["silo"] == "*");
  CHECK(sources[1]["rows"] == 3376);
  CHECK(sources[1]["columns"][0]["type"] == "text");
  const json integrations = c.integrations();
  REQUIRE(integrations.size() == 1);
  CHECK(integrations[0]["statistics"]["rows"] == 11);  // the upsert kept the newest statistics
  CHECK(integrations[0]["sources"].size() == 2);
  const json models = c.models();
  REQUIRE(models.size() == 1);
  CHECK(models[0]["integration"] == "flights");
  CHECK(models[0]["features"][1] == "o.state=CA");
  CHECK(c.model_text(model) == "{\n  \"format\": \"amalur-model\"\n}\n");
  CHECK(c.model_with_text(c.model_text(model)) == model);
  CHECK_FALSE(c.model_with_text("{}").has_value());
  const json back = c.run(run);
  CHECK(back["kind"] == "train");
  CHECK(back["integration"] == "flights");
  CHECK(back["model"] == model);
  CHECK(back["hyper_parameters"] == r.hyper_parameters);
  CHECK(back["estimates"] == r.estimates);
  CHECK(back["correction"] == r.correction);
  CHECK(back["seconds"] == r.seconds);
  CHECK(back["metrics"] == r.metrics);
  CHECK(back["rows"] == 100);
  CHECK(back["machine"] == "test-machine");
  const auto m = c.measurements("m1");
  REQUIRE(m.size() == 1);
  CHECK(m[0].operation == "multiply");
  CHECK(m[0].used == strategy::materialized);
  CHECK(m[0].measured_seconds == 0.75);
  CHECK(c.measurements("m2").empty());
  CHECK_THROWS_AS(c.run(run + 1), value_error);
  CHECK_THROWS_AS(c.model_text(model + 1), value_error);
  r.kind = "fit";
  CHECK_THROWS_WITH(c.add_run(r), Catch::Contains("train or predict"));
}

TEST_CASE("catalog: best run by a metric, in its direction, per integration", "[catalog]") {
  const auto dir = amalur_test::scratch("catalog", "best");
  catalog::catalog c((dir / "c.db").string());
  const auto a = c.write([&] { return c.add_integration({"a", json::object(), "fa", json::object(), {}}); });
  const auto b = c.write([&] { return c.add_integration({"b", json::object(), "fb", json::object(), {}}); });
  for (int k = 0; k < 6; ++k) {
    catalog::run_record r = sample_run(2 * k);  // train runs; auc rises with k, rmse falls
    r.integration = k == 5 ? b : a;              // the best overall belongs to b
    c.write([&] { c.add_run(r); });
  }
  CHECK(c.best("a", "auc")["metrics"]["auc"].get<double>() == Approx(0.58));
  CHECK(c.best("a", "rmse")["metrics"]["rmse"].get<double>() == Approx(1.92));
  CHECK(c.best("b", "auc")["metrics"]["auc"].get<double>() == Approx(0.60));
  CHECK(c.best("a", "f1").is_null());
  CHECK(c.best("nobody", "auc").is_null());
  CHECK_THROWS_WITH(c.best("a", "speed"), Catch::Contains("unknown metric 'speed'"));
}

TEST_CASE("catalog: an older schema is migrated on open, keeping its runs", "[catalog]") {
  const auto dir = amalur_test::scratch("catalog", "migrate");
  const std::string path = (dir / "v1.db").string();
  {
    SQLite::Database v1(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    v1.exec(catalog::detail::migrations()[0]);
    v1.exec("PRAGMA user_version = 1");
    v1.exec("INSERT INTO runs (started_at, kind, hyper_parameters, strategy, estimates, seconds, metrics, rows, threads, "
            "machine, machine_profile, status) VALUES ('2025-01-01T00:00:00.000Z', 'train', '{}', 'factorized', '[]', "
            "'{}', '{\"auc\": 0.7}', 5, 1, 'old', '{}', 'converged')");
  }
  CHECK_THROWS_WITH(catalog::catalog(path, {catalog::access::read}), Catch::Contains("older"));
  catalog::catalog c(path);
  CHECK(c.runs().size() == 1);
  CHECK(c.runs()[0]["metrics"]["auc"] == 0.7);
  CHECK(c.runs()[0]["correction"].is_null());
  c.write([&] { c.add_measurement(std::nullopt, "m", {"fit", strategy::factorized, 1, 2, 10, 10}); });
  SQLite::Database raw(path);
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == catalog::schema_version());
  CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
}

TEST_CASE("catalog: two processes writing 200 runs each at once lose nothing", "[catalog]") {
  const auto dir = amalur_test::scratch("catalog", "writers");
  const std::string path = (dir / "c.db").string();
  { catalog::catalog create(path); }  // children open it fresh; no connection crosses fork()
  pid_t children[2];
  for (int w = 0; w < 2; ++w) {
    children[w] = ::fork();
    REQUIRE(children[w] >= 0);
    if (children[w] == 0) {
      int code = 0;
      try {
        catalog::catalog c(path);
        for (int k = 0; k < 200; ++k) {
          catalog::run_record r = sample_run(k);
          r.machine = "writer-" + std::to_string(w);
          c.write([&] {
            const auto run = c.add_run(r);
            c.add_measurement(run, r.machine, {"fit", strategy::factorized, 1.0, 1.0 + k, 100, 10});
          });
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "writer %d: %s\n", w, e.what());
        code = 1;
      }
      ::_exit(code);
    }
  }
  for (pid_t child : children) {
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  catalog::catalog c(path, {catalog::access::read});
  CHECK(c.runs().size() == 400);
  CHECK(c.measurements("writer-0").size() == 200);
  CHECK(c.measurements("writer-1").size() == 200);
}

TEST_CASE("catalog: a locked file is waited for, then refused after the timeout, losing nothing", "[catalog]") {
  const auto dir = amalur_test::scratch("catalog", "locked");
  const std::string path = (dir / "c.db").string();
  {
    catalog::catalog c(path);
    c.write([&] { c.add_run(sample_run(0)); });
  }
  SQLite::Database holder(path, SQLite::OPEN_READWRITE);
  holder.exec("BEGIN EXCLUSIVE");
  holder.exec("INSERT INTO runs (started_at, kind, hyper_parameters, strategy, estimates, seconds, metrics, rows, "
              "threads, machine, machine_profile, status) VALUES ('x', 'train', '{}', 'f', '[]', '{}', '{}', 1, 1, "
              "'holder', '{}', 'converged')");
  {
    catalog::catalog c(path, {catalog::access::write, 0.2});
    CHECK_THROWS_WITH(c.write([&] { c.add_run(sample_run(1)); }), Catch::Contains("busy"));
    CHECK_THROWS_AS(c.write([&] { c.add_run(sample_run(1)); }), io::file_error);  // the program's exit 4
  }
  // Inside the timeout a writer waits: the holder commits after a while, then the write lands.
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    holder.exec("COMMIT");
  });
  {
    catalog::catalog c(path, {catalog::access::write, 20});
    c.write([&] { c.add_run(sample_run(2)); });
  }
  release.join();
  CHECK(count_runs(path) == 3);  // the first, the holder's and the waiting writer's
}

TEST_CASE("catalog: damaged, read-only, newer and foreign files are refused and left as they were", "[catalog]") {
  const auto dir = amalur_test::scratch("catalog", "refused");
  const auto garbage = dir / "garbage.db";
  {
    std::ofstream out(garbage, std::ios::binary);
    for (int k = 0; k < 8192; ++k) out.put(static_cast<char>((k * 7919) & 0xff));
  }
  const std::string before = bytes_of(garbage);
  CHECK_THROWS_WITH(catalog::catalog(garbage.string()), Catch::Contains("not a SQLite database, or damaged"));
  CHECK(bytes_of(garbage) == before);

  const std::string newer = (dir / "newer.db").string();
  {
    catalog::catalog c(newer);
    c.write([&] { c.add_run(sample_run(0)); });
  }
  { SQLite::Database(newer, SQLite::OPEN_READWRITE).exec("PRAGMA user_version = 99"); }
  CHECK_THROWS_WITH(catalog::catalog(newer), Catch::Contains("newer amalur"));
  CHECK_THROWS_WITH(catalog::catalog(newer, {catalog::access::read}), Catch::Contains("newer amalur"));

  const std::string foreign = (dir / "foreign.db").string();
  { SQLite::Database(foreign, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE).exec("CREATE TABLE t (x)"); }
  CHECK_THROWS_WITH(catalog::catalog(foreign), Catch::Contains("not an amalur catalog"));

  const std::string read_only = (dir / "read_only.db").string();
  {
    catalog::catalog c(read_only);
    c.write([&] { c.add_run(sample_run(0)); });
  }
  ::chmod(read_only.c_str(), 0444);
  CHECK_THROWS_WITH(catalog::catalog(read_only), Catch::Contains("read-only"));
  CHECK(count_runs(read_only) == 1);  // reading a read-only catalog is fine
  CHECK_THROWS_WITH(catalog::catalog((dir / "absent.db").string(), {catalog::access::read}),
                    Catch::Contains("does not exist"));
}

TEST_CASE("SQLite tables as sources: the same T and coefficients as the same data from CSV", "[catalog][sqlite]") {
  const auto dir = amalur_test::scratch("catalog", "sqlite_sources");
  const star_files files(dir);
  integration::prepared from_csv, from_sqlite;
  integration::prepare(integration::load_spec(files.spec(false).string()), from_csv);
  integration::spec s = integration::load_spec(files.spec(true).string());
  CHECK_THROWS_WITH(integration::prepare(s, from_sqlite), Catch::Contains("needs amalur::catalog"));
  catalog::read_sqlite_sources(s);
  from_sqlite = {};
  integration::prepare(s, from_sqlite);
  CHECK(from_sqlite.design->names == from_csv.design->names);
  CHECK(from_sqlite.design->matrix.materialize() == from_csv.design->matrix.materialize());
  CHECK(from_sqlite.labels == from_csv.labels);
  CHECK(from_sqlite.rows.unmatched.at("customers") == from_csv.rows.unmatched.at("customers"));
  CHECK(from_sqlite.tables.at("orders").at("id").kind == io::column_kind::integer);
  CHECK(from_sqlite.tables.at("orders").at("amount").kind == io::column_kind::real);
  CHECK(catalog::fingerprint(from_sqlite.tables.at("orders")) == catalog::fingerprint(from_csv.tables.at("orders")));

  int status = 0;
  const json csv = cli(dir, "train " + files.spec(false).string(), status);
  REQUIRE(status == 0);
  const json sqlite = cli(dir, "train " + files.spec(true).string(), status);
  REQUIRE(status == 0);
  CHECK(sqlite["coefficients"] == csv["coefficients"]);
  CHECK(sqlite["intercept"] == csv["intercept"]);
}

TEST_CASE("SQLite sources: errors name the table, the file, the rowid and the column", "[catalog][sqlite]") {
  const auto dir = amalur_test::scratch("catalog", "sqlite_errors");
  const std::string path = (dir / "bad.db").string();
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE t (a INTEGER, b); INSERT INTO t VALUES (1, 2.5); INSERT INTO t VALUES (2, x'00ff');"
            "CREATE TABLE u (a INTEGER, b TEXT); INSERT INTO u VALUES (1, ''); INSERT INTO u VALUES (2, 'x');"
            "INSERT INTO u VALUES (NULL, 7);"
            "CREATE TABLE w (a REAL); INSERT INTO w VALUES (1e308 * 10)");
  }
  CHECK_THROWS_WITH(catalog::read_sqlite_table(path, "t", "", "t"),
                    Catch::Contains("table 't'") && Catch::Contains("bad.db#t) rowid 2 column 'b'") &&
                        Catch::Contains("BLOB"));
  CHECK_THROWS_WITH(catalog::read_sqlite_table(path, "w", "", "w"), Catch::Contains("rowid 1 column 'a': the value is not finite"));
  CHECK_THROWS_WITH(catalog::read_sqlite_table(path, "nope", "", "n"), Catch::Contains("no such table"));
  CHECK_THROWS_AS(catalog::read_sqlite_table(path, "", "SELEC 1", "q"), value_error);
  CHECK_THROWS_AS(catalog::read_sqlite_table((dir / "absent.db").string(), "t", "", "t"), io::file_error);
  CHECK_THROWS_WITH(catalog::read_sqlite_table(path, "", "SELECT a, a FROM u", "q"), Catch::Contains("column 'a' twice"));
  const io::table u = catalog::read_sqlite_table(path, "u", "", "u");
  REQUIRE(u.rows == 3);
  CHECK(u.at("a").kind == io::column_kind::integer);
  CHECK(u.at("a").is_missing(2));              // NULL
  CHECK(u.at("b").kind == io::column_kind::text);  // TEXT with an INTEGER in it: text, as CSV would type it
  CHECK(u.at("b").is_missing(0));              // '' is missing, as an empty CSV field
  CHECK(u.at("b").text_at(2) == "7");
  CHECK(u.where(1) == "table 'u' (" + path + "#u) rowid 2");
}

TEST_CASE("amalur --catalog: runs, models and sources recorded; predict by id prints what predict by file prints",
          "[catalog][cli]") {
  const auto dir = amalur_test::scratch("catalog", "cli");
  const star_files files(dir);
  const std::string spec = files.spec(false).string(), db = (dir / "c.db").string();
  int status = 0;
  const json first = cli(dir, "train " + spec + " --catalog " + db + " --output model.json", status);
  REQUIRE(status == 0);
  CHECK(first["run_id"] == 1);
  CHECK(first["model_id"] == 1);
  const json second = cli(dir, "train " + spec + " --catalog " + db + " --strategy materialized", status);
  REQUIRE(status == 0);
  CHECK(second["run_id"] == 2);
  CHECK(second["model_id"] == 2);

  const auto by_file = amalur_test::run_cli(dir, "predict model.json " + spec + " --catalog " + db);
  const auto by_id = amalur_test::run_cli(dir, "predict " + spec + " --catalog " + db + " --model 1");
  REQUIRE(by_file.status == 0);
  REQUIRE(by_id.status == 0);
  CHECK(by_file.out == by_id.out);
  CHECK(by_file.out.rfind("row,linear_predictor,prediction\n", 0) == 0);

  const auto listed = amalur_test::run_cli(dir, "catalog runs --json --catalog " + db);
  REQUIRE(listed.status == 0);
  const json runs = listed.parsed();
  REQUIRE(runs.size() == 4);
  for (const auto& r : runs)
    for (const char* key : {"id", "kind", "started_at", "strategy", "model", "integration", "metrics", "seconds"})
      CHECK(r.contains(key));
  CHECK(runs[0]["kind"] == "predict");
  CHECK(runs[0]["model"] == 1);
  CHECK(runs[1]["model"] == 1);  // predict by file finds the catalog's model with the same text
  CHECK(runs[2]["strategy"] == "materialized");
  CHECK(runs[3]["integration"] == "orders");
  CHECK(runs[3]["metrics"].contains("rmse"));
  CHECK(runs[3]["hyper_parameters"]["family"] == "gaussian");
  const json sources = amalur_test::run_cli(dir, "catalog sources --json --catalog " + db).parsed();
  CHECK(sources.size() == 2);  // the same content is one record, however often it is used
  const json integrations = amalur_test::run_cli(dir, "catalog integrations --json --catalog " + db).parsed();
  REQUIRE(integrations.size() == 1);
  CHECK(integrations[0]["statistics"]["unmatched"]["customers"].get<int>() > 0);
  CHECK(amalur_test::run_cli(dir, "catalog models --json --catalog " + db).parsed().size() == 2);
  const auto shown = amalur_test::run_cli(dir, "catalog show 2 --catalog " + db);
  CHECK(shown.parsed()["strategy"] == "materialized");
  const auto best = amalur_test::run_cli(dir, "catalog best --integration orders --metric rmse --catalog " + db);
  REQUIRE(best.status == 0);
  CHECK(best.parsed()["kind"] == "train");
  const auto text = amalur_test::run_cli(dir, "catalog runs --catalog " + db);
  CHECK(text.out.find("id=4  integration=orders  kind=predict") != std::string::npos);
  CHECK(amalur_test::run_cli(dir, "catalog show 9 --catalog " + db).status == 2);
  CHECK(amalur_test::run_cli(dir, "predict " + spec + " --model 1").status == 2);  // --model needs --catalog
}

TEST_CASE("amalur --silos --catalog: the aggregator records the run and the model, and nothing of the silo's data",
          "[catalog][cli]") {
  const auto dir = amalur_test::scratch("catalog", "cli_silos");
  const star_files files(dir);
  json j = json::parse(std::ifstream(files.spec(false)));
  j["tables"]["customers"]["silo"] = "crm";
  std::ofstream(dir / "silo.json") << j.dump();
  const std::string db = (dir / "c.db").string();
  int status = 0;
  const json out = cli(dir, "train " + (dir / "silo.json").string() + " --silos threads --catalog " + db +
                                " --output silo-model.json", status);
  REQUIRE(status == 0);
  CHECK(out["run_id"] == 1);
  CHECK(out["model_id"] == 1);
  catalog::catalog c(db, {catalog::access::read});
  CHECK(c.model_text(1) == amalur_test::slurp(dir / "silo-model.json"));
  CHECK(c.run(1)["hyper_parameters"]["silos"] == "vertical");
  bool saw_silo = false;
  for (const auto& s : c.sources()) {
    if (s["silo"] != "crm") continue;
    saw_silo = true;
    CHECK(s["rows"].is_null());  // the aggregator never saw the silo's table
    CHECK(s["columns"].empty());
  }
  CHECK(saw_silo);
  const auto predicted = amalur_test::run_cli(
      dir, "predict silo-model.json " + (dir / "silo.json").string() + " --silos threads --catalog " + db);
  REQUIRE(predicted.status == 0);
  CHECK(catalog::catalog(db, {catalog::access::read}).run(2)["model"] == 1);
}

TEST_CASE("amalur --catalog: a failed run records nothing; bad catalog files are exit 4 and keep their runs",
          "[catalog][cli]") {
  const auto dir = amalur_test::scratch("catalog", "cli_failures");
  const star_files files(dir);
  const std::string spec = files.spec(false).string(), db = (dir / "c.db").string();
  int status = 0;
  cli(dir, "train " + spec + " --catalog " + db, status);
  REQUIRE(status == 0);
  std::ofstream(dir / "bad_label.json") << R"({"tables": {"orders": {"path": "orders.csv"}}, "base": "orders",
      "features": [{"column": "orders.amount"}], "label": {"column": "orders.nope"}})";
  cli(dir, "train " + (dir / "bad_label.json").string() + " --catalog " + db, status);
  CHECK(status == 2);
  CHECK(count_runs(db) == 1);
  // Not converged: the run is recorded, without a model.
  const json stalled = cli(dir, "train " + files.spec(false, R"({"family": "poisson", "max_iterations": 1})").string() +
                                    " --catalog " + db, status);
  CHECK(status == 3);
  CHECK(stalled["model_id"].is_null());
  CHECK(catalog::catalog(db, {catalog::access::read}).run(stalled["run_id"])["status"] == "not_converged");

  std::string err;
  SQLite::Database holder(db, SQLite::OPEN_READWRITE);
  holder.exec("BEGIN EXCLUSIVE");
  cli(dir, "train " + files.spec(false).string() + " --catalog " + db + " --catalog-timeout 0.2", status, &err);
  CHECK(status == 4);
  CHECK(err.find("busy") != std::string::npos);
  holder.exec("COMMIT");
  CHECK(count_runs(db) == 2);

  const std::string before = bytes_of(db);
  ::chmod(db.c_str(), 0444);
  cli(dir, "train " + spec + " --catalog " + db, status, &err);
  CHECK(status == 4);
  CHECK(err.find("read-only") != std::string::npos);
  CHECK(bytes_of(db) == before);
  ::chmod(db.c_str(), 0644);
  std::ofstream(dir / "garbage.db") << std::string(4096, '\x5a');
  cli(dir, "train " + spec + " --catalog " + (dir / "garbage.db").string(), status, &err);
  CHECK(status == 4);
  CHECK(bytes_of(dir / "garbage.db") == std::string(4096, '\x5a'));
  CHECK(count_runs(db) == 2);
}

// ---- the cost model learns from history -----------------------------------

namespace {

/// One cell of the cost-model grid: a 20,000-row fact table with 10 columns
/// and `dims` dimension tables at tuple ratio `tr` and feature ratio `fr`.
struct grid_cell {
  double tr, fr;
  int dims;
  operation op;
  std::vector<part_shape> parts;
  target_shape target;
  grid_cell(double tr_, double fr_, int dims_, operation op_) : tr(tr_), fr(fr_), dims(dims_), op(op_) {
    constexpr double rows = 20000, fact_cols = 10;
    parts.push_back({rows, fact_cols, rows * fact_cols, rows, false, true});
    const double dim_rows = std::max(1.0, rows / tr), dim_cols = std::max(1.0, fr * fact_cols);
    for (int k = 0; k < dims; ++k) parts.push_back({dim_rows, dim_cols, dim_rows * dim_cols, rows, false, false});
    target = {rows, fact_cols + dims * dim_cols, rows * (fact_cols + dims * dim_cols)};
  }
  estimate on(const hardware_profile& hw, const cost_correction* c = nullptr) const {
    // T is reused (a training loop): the build amortizes away, the operators decide.
    return decide(op, parts.data(), parts.size(), target, 1, hw, 1e9, 0, false, false, strategy::automatic, c);
  }
};

std::vector<grid_cell> grid() {
  std::vector<grid_cell> cells;
  for (double tr : {1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0})
    for (double fr : {0.25, 0.5, 1.0, 2.0, 4.0})
      for (int dims : {1, 2})
        for (operation op : {operation::multiply, operation::transpose_multiply, operation::crossprod,
                             operation::left_multiply})
          cells.emplace_back(tr, fr, dims, op);
  return cells;
}

/// The "machine": the cost model under the true profile, with the per-operator
/// biases a real machine shows against any model (gathers slower, GEMM faster).
/// Its rates are fixed here, not the default profile's, so the test does not
/// move when the defaults are refitted (with today's defaults, flops 4e10 and
/// cache 5e10, three held-out crossprod cells of 70 keep a regret of 11-16%).
struct machine_truth {
  hardware_profile hw = [] {
    hardware_profile h = default_profile;
    h.flops_per_second = 9.2e9;
    h.cache_bytes_per_second = 3.65e10;
    return h;
  }();
  double seconds(const grid_cell& c, strategy s) const {
    const estimate e = c.on(hw);
    const double bias_fact = c.op == operation::crossprod ? 1.3 : 1.15;
    const double bias_mat = c.op == operation::crossprod ? 0.8 : 0.95;
    return s == strategy::factorized ? e.factorized_seconds * bias_fact : e.materialized_seconds * bias_mat;
  }
  strategy faster(const grid_cell& c) const {
    return seconds(c, strategy::factorized) <= seconds(c, strategy::materialized) ? strategy::factorized
                                                                                   : strategy::materialized;
  }
};

struct grid_score {
  double accuracy = 0, mean_regret = 0, worst_regret = 0;
};

/// Picks on `cells` under the `believed` profile, corrected by `correction_for(cell)` when given.
grid_score score(const std::vector<const grid_cell*>& cells, const machine_truth& truth, const hardware_profile& believed,
                 const std::function<cost_correction(const grid_cell&)>& correction_for) {
  grid_score s;
  for (const grid_cell* cell : cells) {
    const cost_correction c = correction_for ? correction_for(*cell) : cost_correction();
    const strategy pick = cell->on(believed, &c).pick;
    const double best = truth.seconds(*cell, truth.faster(*cell));
    const double regret = truth.seconds(*cell, pick) / best - 1;
    s.accuracy += pick == truth.faster(*cell);
    s.mean_regret += regret;
    s.worst_regret = std::max(s.worst_regret, regret);
  }
  s.accuracy /= static_cast<double>(cells.size());
  s.mean_regret /= static_cast<double>(cells.size());
  return s;
}

}  // namespace

TEST_CASE("cost model: corrections from the catalog's half of the grid help on the other half", "[catalog][cost]") {
  const auto dir = amalur_test::scratch("catalog", "history");
  const machine_truth truth;
  // A profile wrong by 2x: it believes indexed accesses twice as fast as they are.
  hardware_profile wrong = truth.hw;
  wrong.random_per_second *= 2;
  wrong.near_random_per_second *= 2;
  const auto cells = grid();
  std::vector<const grid_cell*> seen, held_out;
  // Every other shape (each with all four operators) is seen; the rest are held out.
  for (std::size_t k = 0; k < cells.size(); ++k) ((k / 4) % 2 ? held_out : seen).push_back(&cells[k]);

  catalog::catalog c((dir / "c.db").string());
  c.write([&] {
    for (const grid_cell* cell : seen) {
      const estimate e = cell->on(wrong);
      for (strategy s : {strategy::factorized, strategy::materialized})
        c.add_measurement(std::nullopt, "grid-machine",
                          {key_of(cell->op), s, s == strategy::factorized ? e.factorized_seconds : e.materialized_seconds,
                           truth.seconds(*cell, s), cell->target.rows, cell->target.cols,
                           catalog::tuple_ratio_of(cell->parts, cell->target)});
    }
  });
  const cost_correction learnt = c.correction("grid-machine", 20000, 20, 10);
  CHECK(learnt.applies_to(operation::crossprod));
  CHECK_FALSE(learnt.applies_to(operation::col_variances));  // no evidence: no correction
  CHECK(c.correction("another-machine", 20000, 20, 10).empty());
  CHECK(c.correction("grid-machine", 2e7, 20, 10).empty());  // shapes far from the evidence
  CHECK(c.correction("grid-machine", 20000, 20, 1e4).empty());

  // Each held-out shape gets the correction the catalog fits for it.
  const auto fitted = [&](const grid_cell& cell) {
    return c.correction("grid-machine", cell.target.rows, cell.target.cols, catalog::tuple_ratio_of(cell.parts, cell.target));
  };
  const grid_score before = score(held_out, truth, wrong, {});
  const grid_score after = score(held_out, truth, wrong, fitted);
  const grid_score ideal = score(held_out, truth, truth.hw, {});
  INFO("held-out accuracy " << before.accuracy << " -> " << after.accuracy << " (true profile, no bias correction: "
                            << ideal.accuracy << "); worst regret " << before.worst_regret << " -> "
                            << after.worst_regret << "; mean regret " << before.mean_regret << " -> " << after.mean_regret);
  // Stated threshold: after the catalog has seen half the grid, the held-out
  // half is picked at least 95% right with a worst regret of at most 10%,
  // and better than the wrong profile alone did.
  CHECK(after.accuracy >= 0.95);
  CHECK(after.worst_regret <= 0.10);
  CHECK(after.accuracy > before.accuracy);
  CHECK(after.mean_regret < before.mean_regret);
}

TEST_CASE("cost model: a correction needs evidence for both strategies, and never touches a forced strategy",
          "[catalog][cost]") {
  std::vector<catalog::measurement> history;
  for (int k = 0; k < 3; ++k) history.push_back({"multiply", strategy::factorized, 1.0, 2.0, 1000, 10});
  CHECK(catalog::fit_correction(history, 1000, 10).empty());  // no materialized evidence
  for (int k = 0; k < 2; ++k) history.push_back({"multiply", strategy::materialized, 1.0, 0.5, 1000, 10});
  CHECK(catalog::fit_correction(history, 1000, 10).empty());  // two runs are fewer than three
  history.push_back({"multiply", strategy::materialized, 1.0, 0.5, 1000, 10});
  const cost_correction c = catalog::fit_correction(history, 1000, 10);
  REQUIRE(c.applies_to(operation::multiply));
  CHECK(c.factorized[0] == Approx(2.0));
  CHECK(c.materialized[0] == Approx(0.5));
  CHECK(c.evidence[0] == 6);
  CHECK_FALSE(c.applies_to(operation::crossprod));
  for (int k = 0; k < 3; ++k) {
    history.push_back({"fit", strategy::factorized, 1.0, 1.5, 1000, 10});
    history.push_back({"fit", strategy::materialized, 1.0, 3.0, 1000, 10});
  }
  const cost_correction with_fits = catalog::fit_correction(history, 1000, 10);
  CHECK(with_fits.factorized[0] == Approx(2.0));  // an operator's own evidence comes first
  CHECK(with_fits.factorized[static_cast<std::size_t>(operation::crossprod)] == Approx(1.5));  // whole fits otherwise

  const grid_cell cell(10, 1, 1, operation::multiply);
  const estimate plain = cell.on(default_profile);
  const estimate corrected = cell.on(default_profile, &c);
  CHECK(corrected.evidence == 6);
  CHECK(corrected.factorized_seconds == Approx(2 * plain.factorized_seconds));
  const estimate forced = decide(cell.op, cell.parts.data(), cell.parts.size(), cell.target, 1, default_profile, 0, 0,
                                 false, false, strategy::factorized, &c);
  CHECK(forced.evidence == 0);
  CHECK(forced.factorized_seconds == plain.factorized_seconds);
}

TEST_CASE("amalur train --strategy auto uses the catalog's measured fits, and says so", "[catalog][cli]") {
  const auto dir = amalur_test::scratch("catalog", "cli_history");
  const star_files files(dir);
  const std::string spec = files.spec(false, R"({"family": "binomial", "l2": 0.1})").string();
  const std::string db = (dir / "c.db").string();
  // Binomial needs a 0/1 label: threshold the orders' y.
  json j = json::parse(std::ifstream(spec));
  j["label"]["threshold"] = 1.5;
  std::ofstream(spec) << j.dump();
  int status = 0;
  const json cold = cli(dir, "train " + spec + " --catalog " + db, status);
  REQUIRE(status == 0);
  CHECK(cold["correction"].is_null());  // no history yet
  for (int k = 0; k < 3; ++k)
    for (const char* s : {"factorized", "materialized"}) {
      const json forced = cli(dir, "train " + spec + " --catalog " + db + " --strategy " + s, status);
      REQUIRE(status == 0);
      CHECK(forced["correction"].is_null());  // forced strategies are never corrected
    }
  const json warm = cli(dir, "train " + spec + " --catalog " + db, status);
  REQUIRE(status == 0);
  REQUIRE(warm["correction"].is_object());
  CHECK(warm["correction"]["multiply"]["runs"].get<int>() >= 6);
  CHECK(warm["cost"][0]["corrected_from_runs"].get<int>() >= 6);
  const json stored = catalog::catalog(db, {catalog::access::read}).run(warm["run_id"]);
  CHECK(stored["correction"] == warm["correction"]);
  const json explained = cli(dir, "explain " + spec + " --catalog " + db, status);
  REQUIRE(status == 0);
  CHECK(explained["cost"][0]["corrected_from_runs"].get<int>() >= 6);
  CHECK(explained["cost"][0]["factorized_factor"].get<double>() > 0);
  CHECK(cli(dir, "explain " + spec, status)["cost"][0]["corrected_from_runs"] == 0);
}
