// Reliability through the program: no silent wrong answer (unknown spec keys,
// wrong types and ranges, a feature listed twice, degenerate labels,
// impossible dates) and no lost file (atomic outputs, exit 4 for files,
// no model from a failed run, inputs never overwritten).

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using result = amalur_test::cli_result;

fs::path scratch(const std::string& name) { return amalur_test::scratch("reliability", name); }

/// Runs the program in `dir`; `shell` (such as "ulimit -f 0;") comes first.
result run(const fs::path& dir, const std::string& args, const std::string& shell = "") {
  return amalur_test::run_cli(dir, args, "", shell);
}
using amalur_test::slurp;

/// A small valid binomial spec over t.csv (and u.csv, joined inner).
json base_spec(const fs::path& dir) {
  std::ofstream(dir / "t.csv") << "id,x,c,y,n,when\n"
                                  "1,0.5,a,0,3,2001-01-01 06:30\n2,1.5,b,1,0,2001-01-02 07:00\n"
                                  "3,2.5,a,1,2,2001-01-03 08:15\n4,0.1,b,0,5,2001-01-04 09:45\n"
                                  "5,3.1,a,1,1,2001-01-05 10:00\n6,0.9,b,0,4,2001-01-06 11:30\n"
                                  "7,2.2,a,0,2,2001-01-07 12:00\n8,1.1,b,1,0,2001-01-08 13:00\n";
  std::ofstream(dir / "u.csv") << "id,z\n1,3\n2,1\n3,4\n4,1\n5,5\n6,9\n8,2\n";
  return json::parse(R"({"tables": {"t": {"path": "t.csv"}, "u": {"path": "u.csv"}}, "base": "t",
      "joins": [{"table": "u", "kind": "inner", "on": [["id", "id"]]}],
      "features": [{"column": "t.x"}, {"column": "u.z"}],
      "label": {"column": "t.y"}, "model": {"family": "binomial", "l2": 0.1}})");
}

void write(const fs::path& p, const json& j) { std::ofstream(p) << j.dump(1); }

}  // namespace

TEST_CASE("spec: unknown keys, wrong types and out-of-range values name the path and the value", "[reliability]") {
  const auto dir = scratch("spec");
  auto fails = [&](const std::function<void(json&)>& change, const std::string& text) {
    json j = base_spec(dir);
    change(j);
    write(dir / "s.json", j);
    const result r = run(dir, "train s.json");
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains(text));
  };
  fails([](json& j) { j["model"]["familly"] = "gaussian"; }, "unknown key 'model.familly' (did you mean 'family'?)");
  fails([](json& j) { j["join"] = j["joins"]; j.erase("joins"); }, "unknown key 'join' (did you mean 'joins'?)");
  fails([](json& j) { j["joins"][0]["unmatch"] = "error"; }, "'joins[0].unmatch' (did you mean 'unmatched'?)");
  fails([](json& j) { j["features"][1]["encodng"] = "onehot"; }, "features[1].encodng");
  fails([](json& j) { j["tables"]["t"]["pth"] = "x"; }, "tables.t.pth");
  fails([](json& j) { j["model"]["max_iterations"] = 1e10; }, "model.max_iterations is out of range: 10000000000.0");
  fails([](json& j) { j["model"]["max_iterations"] = 2.7; }, "model.max_iterations must be a whole number, got 2.7");
  fails([](json& j) { j["model"]["k"] = 9.3e18; }, "model.k is out of range: 9.3e+18");  // past int64, as a float
  fails([](json& j) { j["model"]["seed"] = -1; }, "model.seed is out of range: -1");
  fails([](json& j) { j["model"]["l2"] = -1; }, "model.l2 is out of range: -1");
  fails([](json& j) { j["model"]["tolerance"] = 0; }, "model.tolerance is out of range: 0");
  fails([](json& j) { j["model"]["intercept"] = "yes"; }, "model.intercept must be true or false, got \"yes\"");
  fails([](json& j) { j["features"].push_back({{"column", "t.x"}}); }, "the feature 't.x' is listed twice");
}

TEST_CASE("labels that leave nothing to fit are exit 2 naming the label", "[reliability]") {
  const auto dir = scratch("labels");
  json j = base_spec(dir);
  std::ofstream(dir / "t.csv") << "id,x,c,y,n,when\n1,0.5,a,1,0,x\n2,1.5,b,1,0,x\n3,2.5,a,1,0,x\n";
  write(dir / "s.json", j);
  result r = run(dir, "train s.json");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("label 't.y' has one class only"));
  j["model"] = {{"family", "poisson"}};
  j["label"] = {{"column", "t.n"}};
  write(dir / "s.json", j);
  r = run(dir, "train s.json");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("label 't.n' is 0 in every row"));
  std::ofstream(dir / "t.csv") << "id,x,c,y,n,when\n1,0.5,a,1,2,x\n2,1.5,b,1,0,x\n3,2.5,a,1,4,x\n";
  j["model"] = {{"family", "gamma"}};
  write(dir / "s.json", j);
  r = run(dir, "train s.json");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("label 't.n': gamma labels must be positive; row 1 has 0"));
}

TEST_CASE("dates: the calendar and the clock are checked, and a missing time only matters for the hour", "[reliability]") {
  const auto dir = scratch("dates");
  json j = base_spec(dir);
  j["features"] = {{{"column", "t.when"}, {"derive", "weekday"}, {"encoding", "onehot"}}};
  write(dir / "s.json", j);
  CHECK(run(dir, "explain s.json").status == 0);
  auto with_date = [&](const std::string& date, const std::string& part) {
    std::ofstream(dir / "t.csv") << "id,x,c,y,n,when\n1,0.5,a,0,3," << date << "\n2,1.5,b,1,0,2001-01-02 07:00\n";
    j["features"] = {{{"column", "t.when"}, {"derive", part}}};
    write(dir / "s.json", j);
    return run(dir, "explain s.json");
  };
  CHECK_THAT(with_date("2001-02-30 10:00", "weekday").err, Catch::Contains("no such day in that month"));
  CHECK_THAT(with_date("2001-01-01 99:00", "hour").err, Catch::Contains("the hour is past 23"));
  CHECK_THAT(with_date("2001-01-01", "hour").err, Catch::Contains("the hour is needed but the value has no time"));
  CHECK(with_date("2004-02-29", "weekday").status == 0);  // a leap day, no time needed
  CHECK(with_date("2001-02-29 10:00", "month").status == 2);
}

TEST_CASE("files: atomic outputs, exit 4, no model from a failed run, inputs never overwritten", "[reliability]") {
  const auto dir = scratch("files");
  json j = base_spec(dir);
  write(dir / "s.json", j);
  REQUIRE(run(dir, "train s.json --output model.json").status == 0);
  const std::string good = slurp(dir / "model.json");
  REQUIRE(json::parse(good)["format"] == "amalur-model");

  // Failed runs leave the existing model byte-identical.
  json bad = j;
  bad["features"].push_back({{"column", "t.c"}});  // text without onehot: exit 2
  write(dir / "bad.json", bad);
  CHECK(run(dir, "train bad.json --output model.json").status == 2);
  json slow = j;
  slow["model"] = {{"family", "binomial"}, {"l2", 0.1}, {"max_iterations", 1}};
  write(dir / "slow.json", slow);
  CHECK(run(dir, "train slow.json --output model.json").status == 3);
  // A write past the file size limit (stderr is a file too, so only the status is read back).
  CHECK(run(dir, "train s.json --output model.json", "ulimit -f 0;").status == 4);
  CHECK(slurp(dir / "model.json") == good);
  for (const auto& entry : fs::directory_iterator(dir))
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);  // no temporary left behind

  // Missing directory, a directory as the output, an input as the output.
  const result nowhere = run(dir, "train s.json --output nowhere/model.json");
  CHECK(nowhere.status == 4);
  CHECK_THAT(nowhere.err, Catch::Contains("cannot write model 'nowhere/model.json'") &&
                              Catch::Contains("the directory 'nowhere' does not exist"));
  fs::create_directories(dir / "adir");
  CHECK_THAT(run(dir, "train s.json --output adir").err, Catch::Contains("it is a directory"));
  const result over = run(dir, "train s.json --output t.csv");
  CHECK(over.status == 2);
  CHECK_THAT(over.err, Catch::Contains("is one of this run's input files"));

  // Unreadable inputs are exit 4, named.
  const result missing = run(dir, "train nothere.json");
  CHECK(missing.status == 4);
  CHECK_THAT(missing.err, Catch::Contains("cannot open spec 'nothere.json'"));
  json dir_table = j;
  dir_table["tables"]["u"]["path"] = "adir";
  write(dir / "d.json", dir_table);
  const result directory = run(dir, "train d.json");
  CHECK(directory.status == 4);
  CHECK_THAT(directory.err, Catch::Contains("table 'u'") && Catch::Contains("it is a directory"));
}

TEST_CASE("train prints standard errors keyed like the coefficients, metrics, and warnings", "[reliability]") {
  const auto dir = scratch("output");
  json j = base_spec(dir);
  j["model"] = {{"family", "binomial"}};
  j["joins"][0]["kind"] = "left";  // keeps id 7, so the classes overlap in t.x
  j["features"] = {{{"column", "t.x"}}};
  write(dir / "s.json", j);
  result r = run(dir, "train s.json");
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  json out = json::parse(r.out);
  CHECK(out["standard_errors"].contains("t.x"));
  CHECK(out["standard_errors"]["intercept"].get<double>() > 0);
  CHECK(out["metrics"]["accuracy"].get<double>() >= 0.5);
  CHECK(out["metrics"]["auc"].get<double>() > 0.5);
  CHECK(out["metrics"]["log_loss"].get<double>() > 0);
  CHECK(out["metrics"]["deviance_explained"].get<double>() > 0);
  // Identities of an unweighted fit on 0/1 labels: the metrics' deviance is
  // the fit's, and the log loss is half of it per row.
  const double deviance = out["deviance"].get<double>(), rows = out["n_rows"].get<double>();
  CHECK(out["metrics"]["deviance"].get<double>() == Approx(deviance).epsilon(1e-9));
  CHECK(out["metrics"]["log_loss"].get<double>() == Approx(deviance / (2 * rows)).epsilon(1e-9));
  j["model"] = {{"family", "binomial"}, {"l2", 0.1}};
  write(dir / "s.json", j);
  out = json::parse(run(dir, "train s.json").out);
  CHECK_THAT(out["standard_errors"].get<std::string>(), Catch::Contains("penalized"));
  j["model"] = {{"family", "gaussian"}};
  j["label"] = {{"column", "t.x"}};
  j["features"] = {{{"column", "t.x"}}, {{"column", "t.id"}, {"encoding", "onehot"}}, {{"column", "u.z"}}};
  write(dir / "s.json", j);
  r = run(dir, "train s.json");
  CHECK_THAT(r.err, Catch::Contains("warning: the feature 't.x' is the label column") &&
                        Catch::Contains("warning: the one-hot feature 't.id' has"));
  j["joins"][0]["kind"] = "left";
  std::ofstream(dir / "u2.csv") << "id,z\n100,1\n";
  j["tables"]["u"]["path"] = "u2.csv";
  j["features"] = {{{"column", "t.n"}}};
  write(dir / "s.json", j);
  r = run(dir, "train s.json");
  CHECK(r.status == 0);
  CHECK_THAT(r.err, Catch::Contains("warning: no row matched in join 'u'"));
  out = json::parse(r.out);
  CHECK(out["metrics"]["rmse"].get<double>() ==
        Approx(std::sqrt(out["deviance"].get<double>() / out["n_rows"].get<double>())).epsilon(1e-9));
  CHECK(out["metrics"].contains("r_squared"));
}

TEST_CASE("a link the family does not have, and an unmatched key under an inner join with the error policy",
          "[reliability]") {
  const auto dir = scratch("links");
  json j = base_spec(dir);
  j["model"] = {{"family", "gaussian"}, {"link", "logit"}};
  write(dir / "s.json", j);
  result r = run(dir, "train s.json");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("the logit link is not available for the gaussian family (identity, log, inverse)"));
  j = base_spec(dir);
  j["joins"][0]["unmatched"] = "error";
  write(dir / "s.json", j);
  r = run(dir, "train s.json");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("join 'u': key '7' of t data row 6 (table 't' (t.csv) line 8) has no match"));
}

TEST_CASE("progress on stderr only, help lists the spec keys and exit codes, a constant feature is named",
          "[reliability]") {
  const auto dir = scratch("progress");
  json j = base_spec(dir);
  write(dir / "s.json", j);
  const result quiet = run(dir, "train s.json"), loud = run(dir, "train s.json --progress");
  REQUIRE(loud.status == 0);
  CHECK_THAT(loud.err, Catch::Contains("amalur: loading and integrating the tables") &&
                           Catch::Contains("amalur: iteration 1: objective"));
  CHECK(json::parse(loud.out)["coefficients"] == json::parse(quiet.out)["coefficients"]);
  const result help = run(dir, "--help");
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Catch::Contains("Spec keys") && Catch::Contains("model: family link intercept") &&
                           Catch::Contains("4 a file could not be opened"));
  std::ofstream(dir / "k.csv") << "id,k,y\n1,5,0\n2,5,1\n3,5,1\n4,5,0\n5,5,1\n";
  const json constant = json::parse(R"({"tables": {"k": {"path": "k.csv"}}, "base": "k",
      "features": [{"column": "k.id"}, {"column": "k.k"}], "label": {"column": "k.y"}, "model": {"family": "gaussian"}})");
  write(dir / "c.json", constant);
  const result c = run(dir, "train c.json");
  CHECK(c.status == 2);
  CHECK_THAT(c.err, Catch::Contains("the feature 'k.k' is constant"));
}

TEST_CASE("CSV: BOM, duplicate headers, an open quote, non-UTF-8, and numbers that are not numbers", "[reliability]") {
  const auto dir = scratch("csv");
  json j = base_spec(dir);
  write(dir / "s.json", j);
  auto with_table = [&](const std::string& text) {
    std::ofstream(dir / "t.csv", std::ios::binary) << text;
    return run(dir, "train s.json");
  };
  const std::string rows = "1,0.5,a,0,3,x\n2,1.5,b,1,0,x\n3,2.5,a,1,2,x\n4,0.1,b,0,5,x\n5,3.1,a,1,1,x\n6,0.9,b,0,4,x\n";
  CHECK(with_table("\xEF\xBB\xBFid,x,c,y,n,when\n" + rows).status == 0);  // the BOM is not part of "id"
  CHECK_THAT(with_table("id,x,x,y,n,when\n" + rows).err, Catch::Contains("line 1: the header names column 'x' twice"));
  CHECK_THAT(with_table("id,x,c,y,n,when\n1,0.5,\"open,0,3,x\n2,1.5,b,1,0,x\n").err,
             Catch::Contains("line 2: a quoted field opened here is never closed"));
  CHECK_THAT(with_table("id,x,c,y,n,when\n1,0.5,caf\xE9,0,3,x\n").err,
             Catch::Contains("line 2: column 'c': byte 0xe9 is not UTF-8"));
  for (const std::string bad : {"12a", "1e400", "inf", "NaN", "\"1,500\"", "0x1A"}) {
    const result r = with_table("id,x,c,y,n,when\n1,0.5,a,0,3,x\n2," + bad + ",b,1,0,x\n3,2.5,a,1,2,x\n");
    INFO(bad);
    CHECK(r.status == 2);
    std::string shown = bad == "\"1,500\"" ? "1,500" : bad;
    CHECK_THAT(r.err, Catch::Contains("table 't' (t.csv) line 3, column 'x': '" + shown + "' is not a number"));
  }
}

TEST_CASE("integer keys above 2^53 compare exactly", "[reliability]") {
  const auto dir = scratch("keys");
  json j = base_spec(dir);
  std::ofstream(dir / "t.csv") << "id,x,c,y,n,when\n"
                                  "9007199254740993,0.5,a,0,3,x\n9007199254740992,1.5,b,1,0,x\n"
                                  "9007199254740995,2.5,a,1,2,x\n9007199254740994,0.1,b,0,5,x\n";
  std::ofstream(dir / "u.csv") << "id,z\n9007199254740993,1\n9007199254740992,2\n9007199254740995,3\n9007199254740994,4\n";
  j["features"] = {{{"column", "u.z"}}};
  j["label"] = {{"column", "t.n"}};
  j["model"] = {{"family", "gaussian"}};
  write(dir / "s.json", j);
  REQUIRE(run(dir, "train s.json --output m.json").status == 0);
  const result p = run(dir, "predict m.json s.json");
  REQUIRE(p.status == 0);
  // z = 1, 2, 3, 4 in file order: each key found its own row (through doubles two pairs would collide).
  std::istringstream lines(p.out);
  std::string line;
  std::getline(lines, line);
  std::vector<double> eta;
  while (std::getline(lines, line)) eta.push_back(std::stod(line.substr(line.find(',') + 1)));
  REQUIRE(eta.size() == 4);
  CHECK(eta[0] != eta[1]);
  CHECK(eta[2] != eta[3]);
}

TEST_CASE("predict writes the base table row of each prediction to a file, needs no label, and the version prints",
          "[reliability]") {
  const auto dir = scratch("predict");
  json j = base_spec(dir);
  write(dir / "s.json", j);
  REQUIRE(run(dir, "train s.json --output model.json").status == 0);
  j.erase("label");
  write(dir / "nolabel.json", j);
  const result p = run(dir, "predict model.json nolabel.json --output predictions.csv");
  REQUIRE(p.status == 0);
  std::istringstream lines(slurp(dir / "predictions.csv"));
  std::string line;
  std::getline(lines, line);
  CHECK(line == "row,linear_predictor,prediction");
  std::vector<int> rows;
  while (std::getline(lines, line)) rows.push_back(std::stoi(line.substr(0, line.find(','))));
  CHECK(rows == std::vector<int>{0, 1, 2, 3, 4, 5, 7});  // id 7 (row 6) has no match in the inner join
  CHECK(run(dir, "predict model.json nolabel.json --output model.json").status == 2);

  // A model applies only to a spec of the same structure: the first difference is named.
  json missing = j;
  missing["features"] = {{{"column", "t.x"}}};
  write(dir / "missing.json", missing);
  const result m = run(dir, "predict model.json missing.json --unseen-as-reference");
  CHECK(m.status == 2);
  CHECK_THAT(m.err, Catch::Contains("the model's feature 'u.z' is missing from the spec"));
  json other = j;
  other["joins"][0]["kind"] = "left";
  write(dir / "other.json", other);
  const result o = run(dir, "predict model.json other.json");
  CHECK(o.status == 2);
  CHECK_THAT(o.err, Catch::Contains("join 'u' has kind \"left\" in the spec but \"inner\" in the model"));
  json moved = j;
  moved["tables"]["t"]["path"] = "t2.csv";  // new files of the same schema are fine
  fs::copy_file(dir / "t.csv", dir / "t2.csv", fs::copy_options::overwrite_existing);
  write(dir / "moved.json", moved);
  CHECK(run(dir, "predict model.json moved.json").status == 0);
  CHECK(run(dir, "explain nolabel.json").status == 0);
  const result v = run(dir, "--version");
  CHECK(v.status == 0);
  CHECK_THAT(v.out, Catch::Contains("amalur 0.1.0"));
}
