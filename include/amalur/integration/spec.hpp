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
// A table may be a union of files: {"union": ["jan.csv", "feb.csv"]}, or a
// table of a SQLite file: {"sqlite": "silo.db", "table": "airports"} (or a
// "query"), read by the reader the spec's user sets in `read_database`
// (amalur::catalog::read_sqlite_table; the amalur program sets it).
// Silo mode: a table may carry "silo": "NAME" (held by that silo; "*" = public
// reference data every silo may hold), a union part may be {"path": ..., "silo": ...}.
// Every object has a fixed set of keys (spec_keys below): an unknown key is an error.
// A join may add "unmatched": "zeros" | "error" | "drop" and "many_to_many": true.
// The model may add "standardize": true, or be {"family": "kmeans", "k": 8, "seed": 1}.

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <functional>
#include <optional>
#include <set>

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

/// A table kept in a database file: a table of it, or a query's result.
struct database_table {
  std::string table, query;
};
/// Reads a database table: (file path, what to read, the spec's table name).
using database_reader = std::function<io::table(const std::string&, const database_table&, const std::string&)>;

struct spec {
  std::filesystem::path directory;
  std::string name;                                        // the integration's name ("" = none given)
  std::map<std::string, std::vector<std::string>> tables;  // name -> file(s); several = a union
  std::map<std::string, std::string> silo_of_table;        // name -> silo, "" (aggregator) or "*" (public)
  std::map<std::string, std::vector<std::string>> silo_of_part;  // union name -> silo of each part ("" none)
  std::map<std::string, database_table> database_tables;   // name -> what to read from its file (a database)
  database_reader read_database;                           // reads those; unset: they are an error
  std::vector<std::string> silos;                          // silo names, in order of first appearance
  std::string base;
  std::vector<join_spec> joins;
  std::vector<feature_spec> features;
  std::string label;  // "" when the spec has none (explain, predict)
  std::optional<double> threshold;
  model_spec model;
};

using spec_json = nlohmann::ordered_json;  // ordered: silos are numbered by first appearance

namespace detail {
/// Levenshtein distance, for "did you mean" on unknown keys.
inline std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

/// The one list of keys each spec object may hold.
inline const std::vector<std::string>& spec_keys(const std::string& object) {
  static const std::map<std::string, std::vector<std::string>> keys = {
      {"spec", {"name", "tables", "base", "joins", "features", "label", "model"}},
      {"table", {"path", "union", "silo", "sqlite", "table", "query"}},
      {"union part", {"path", "silo"}},
      {"join", {"table", "as", "kind", "on", "unmatched", "many_to_many"}},
      {"feature", {"column", "encoding", "derive", "coalesce", "name"}},
      {"label", {"column", "threshold"}},
      {"model", {"family", "link", "intercept", "l2", "l1", "max_iterations", "tolerance", "standardize", "k", "seed"}}};
  return keys.at(object);
}

/// Fails on a key `object` does not have, naming its path and the nearest known key.
inline void check_keys(const spec_json& j, const std::string& object, const std::string& path) {
  if (!j.is_object()) amalur::detail::fail<value_error>("spec: ", path, " must be a JSON object");
  const auto& known = spec_keys(object);
  for (const auto& [key, value] : j.items()) {
    static_cast<void>(value);
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string nearest = known.front();
    for (const auto& k : known)
      if (edit_distance(key, k) < edit_distance(key, nearest)) nearest = k;
    const std::string where = path.empty() ? key : path + "." + key;
    if (edit_distance(key, nearest) <= std::max<std::size_t>(2, key.size() / 3))
      amalur::detail::fail<value_error>("spec: unknown key '", where, "' (did you mean '", nearest, "'?)");
    amalur::detail::fail<value_error>("spec: unknown key '", where, "'");
  }
}

/// The value as the spec wrote it, for messages.
inline std::string shown(const spec_json& v) { return v.dump(); }

/// Whether a whole JSON number (integer, or float `d` with no fraction) is a T.
/// Floats compare against 2^digits, which double holds exactly, so a value
/// at the top of the range cannot round into an overflowing cast.
template <class T>
bool whole_number_fits(const spec_json& v, double d) {
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<T>::max());
  if (v.is_number_unsigned()) return v.get<std::uint64_t>() <= max;
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    return i >= 0 ? static_cast<std::uint64_t>(i) <= max
                  : std::is_signed_v<T> && i >= static_cast<std::int64_t>(std::numeric_limits<T>::min());
  }
  const double limit = std::ldexp(1.0, std::numeric_limits<T>::digits);
  return d < limit && (std::is_signed_v<T> ? d >= -limit : d >= 0);
}

/// A value of the spec's type T, or an error naming `where`.`key` and the value
/// as read: integers must be whole and in range, numbers finite, booleans
/// booleans (no silent truncation, wrapping or coercion).
template <class T>
T get(const spec_json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) amalur::detail::fail<value_error>("spec: ", where, " needs \"", key, "\"");
  const spec_json& v = j.at(key);
  const std::string path = where + "." + key;
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) amalur::detail::fail<value_error>("spec: ", path, " must be true or false, got ", shown(v));
    return v.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (!v.is_number()) amalur::detail::fail<value_error>("spec: ", path, " must be a whole number, got ", shown(v));
    const double d = v.get<double>();
    if (v.is_number_float() && d != std::floor(d))
      amalur::detail::fail<value_error>("spec: ", path, " must be a whole number, got ", shown(v));
    if (!whole_number_fits<T>(v, d))
      amalur::detail::fail<value_error>("spec: ", path, " is out of range: ", shown(v), " (", std::numeric_limits<T>::min(),
                                        " to ", std::numeric_limits<T>::max(), ")");
    return v.is_number_float() ? static_cast<T>(d) : v.get<T>();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) amalur::detail::fail<value_error>("spec: ", path, " must be a number, got ", shown(v));
    const double d = v.get<double>();
    if (!std::isfinite(d)) amalur::detail::fail<value_error>("spec: ", path, " must be finite, got ", shown(v));
    return static_cast<T>(d);
  } else {
    try {
      return v.get<T>();
    } catch (const nlohmann::json::exception&) {
      amalur::detail::fail<value_error>("spec: ", path, " has the wrong type: ", shown(v));
    }
  }
}
template <class T>
T get_or(const spec_json& j, const char* key, T fallback, const std::string& where) {
  return j.contains(key) ? get<T>(j, key, where) : fallback;
}
/// A number of the spec within [low, high] (`open_low`: low itself excluded).
template <class T>
T in_range(const spec_json& j, const char* key, T fallback, const std::string& where, T low, T high,
           bool open_low = false) {
  const T v = get_or<T>(j, key, fallback, where);
  if (v < low || v > high || (open_low && v == low))
    amalur::detail::fail<value_error>("spec: ", where, ".", key, " is out of range: ", shown(j.at(key)), " (",
                                      open_low ? "above " : "from ", low, high < std::numeric_limits<T>::max()
                                                                          ? amalur::detail::message(" to ", high)
                                                                          : std::string(" up"), ")");
  return v;
}
inline void note_silo(spec& s, const std::string& silo, const std::string& where) {
  if (silo.empty()) amalur::detail::fail<value_error>("spec: ", where, ".silo must name a silo (or \"*\")");
  if (silo != "*" && std::find(s.silos.begin(), s.silos.end(), silo) == s.silos.end()) s.silos.push_back(silo);
}
}  // namespace detail

inline spec parse_spec(const spec_json& j, const std::filesystem::path& directory) {
  detail::check_keys(j, "spec", "");
  spec s;
  s.directory = directory;
  s.name = detail::get_or<std::string>(j, "name", "", "the spec");
  const auto tables = detail::get<spec_json>(j, "tables", "the spec");
  if (!tables.is_object() || tables.empty()) amalur::detail::fail<value_error>("spec: \"tables\" must name at least one table");
  for (const auto& [name, t] : tables.items()) {
    const std::string where = "tables." + name;
    detail::check_keys(t, "table", where);
    if (t.contains("silo")) {
      s.silo_of_table[name] = detail::get<std::string>(t, "silo", where);
      detail::note_silo(s, s.silo_of_table[name], where);
    }
    if (t.contains("sqlite")) {
      if (t.contains("path") || t.contains("union"))
        amalur::detail::fail<value_error>("spec: ", where, " is a SQLite table: \"sqlite\" takes the place of \"path\" and \"union\"");
      database_table d;
      d.table = detail::get_or<std::string>(t, "table", "", where);
      d.query = detail::get_or<std::string>(t, "query", "", where);
      if (d.table.empty() == d.query.empty())
        amalur::detail::fail<value_error>("spec: ", where, " names its SQLite file's \"table\" or a \"query\", one of the two");
      s.tables[name] = {detail::get<std::string>(t, "sqlite", where)};
      s.database_tables[name] = std::move(d);
    } else if (t.contains("table") || t.contains("query")) {
      amalur::detail::fail<value_error>("spec: ", where, ": \"table\" and \"query\" go with \"sqlite\"");
    } else if (t.contains("union")) {
      const auto parts = detail::get<spec_json>(t, "union", where);
      if (!parts.is_array() || parts.empty())
        amalur::detail::fail<value_error>("spec: ", where, ".union must be a non-empty array");
      for (std::size_t k = 0; k < parts.size(); ++k) {
        const auto& part = parts[k];
        const std::string part_where = where + ".union[" + std::to_string(k) + "]";
        if (part.is_string()) {
          s.tables[name].push_back(part.get<std::string>());
          s.silo_of_part[name].push_back("");
          continue;
        }
        detail::check_keys(part, "union part", part_where);
        s.tables[name].push_back(detail::get<std::string>(part, "path", part_where));
        s.silo_of_part[name].push_back(detail::get_or<std::string>(part, "silo", "", part_where));
        if (part.contains("silo")) detail::note_silo(s, s.silo_of_part[name].back(), part_where);
      }
    } else {
      s.tables[name] = {detail::get<std::string>(t, "path", where)};
    }
  }
  s.base = detail::get<std::string>(j, "base", "the spec");
  if (!s.tables.count(s.base)) amalur::detail::fail<value_error>("spec: the base table '", s.base, "' is not in \"tables\"");
  const auto joins = detail::get_or<spec_json>(j, "joins", spec_json::array(), "the spec");
  if (!joins.is_array()) amalur::detail::fail<value_error>("spec: \"joins\" must be an array");
  for (std::size_t n = 0; n < joins.size(); ++n) {
    const auto& jj = joins[n];
    detail::check_keys(jj, "join", "joins[" + std::to_string(n) + "]");
    join_spec js;
    js.table = detail::get<std::string>(jj, "table", "a join");
    js.alias = detail::get_or<std::string>(jj, "as", js.table, "join " + js.table);
    const std::string where = "join " + js.alias;
    const std::string kind = detail::get_or<std::string>(jj, "kind", "left", where);
    if (kind == "inner") js.kind = join_kind::inner;
    else if (kind == "left") js.kind = join_kind::left;
    else if (kind == "full") js.kind = join_kind::full;
    else amalur::detail::fail<value_error>("spec: ", where, ": unknown kind '", kind, "' (inner, left, full)");
    for (const auto& pair : detail::get<spec_json>(jj, "on", where)) {
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
  const auto features = detail::get<spec_json>(j, "features", "the spec");
  if (!features.is_array()) amalur::detail::fail<value_error>("spec: \"features\" must be an array");
  for (std::size_t n = 0; n < features.size(); ++n) {
    const auto& jf = features[n];
    detail::check_keys(jf, "feature", "features[" + std::to_string(n) + "]");
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
    for (const auto& earlier : s.features)
      if (feature_key(earlier) == feature_key(f))
        amalur::detail::fail<value_error>("spec: the feature '", feature_key(f), "' is listed twice (features[",
                                          n, "]); each feature gives its own coefficients once");
    s.features.push_back(std::move(f));
  }
  if (j.contains("label")) {  // train needs one; explain and predict do not
    const auto label = detail::get<spec_json>(j, "label", "the spec");
    detail::check_keys(label, "label", "label");
    s.label = detail::get<std::string>(label, "column", "label");
    if (label.contains("threshold")) s.threshold = detail::get<double>(label, "threshold", "label");
  }
  const auto model = detail::get_or<spec_json>(j, "model", spec_json::object(), "the spec");
  detail::check_keys(model, "model", "model");
  s.model.family = detail::get_or<std::string>(model, "family", "gaussian", "model");
  if (model.contains("link")) s.model.link = detail::get<std::string>(model, "link", "model");
  const double big = std::numeric_limits<double>::max();
  s.model.intercept = detail::get_or<bool>(model, "intercept", true, "model");
  s.model.l2 = detail::in_range<double>(model, "l2", 0.0, "model", 0.0, big);
  s.model.l1 = detail::in_range<double>(model, "l1", 0.0, "model", 0.0, big);
  s.model.max_iterations = detail::in_range<int>(model, "max_iterations", 100, "model", 1, 1000000);
  s.model.tolerance = detail::in_range<double>(model, "tolerance", 1e-10, "model", 0.0, 1.0, true);
  s.model.standardize = detail::get_or<bool>(model, "standardize", false, "model");
  s.model.k = detail::in_range<index_t>(model, "k", 8, "model", 1, std::numeric_limits<index_t>::max());
  s.model.seed = detail::get_or<std::uint64_t>(model, "seed", 1, "model");
  if (!s.model.is_kmeans()) static_cast<void>(s.model.glm_family());  // validates family and link now
  return s;
}

inline spec load_spec(const std::string& path) {
  const std::string text = io::read_file(path, "spec");
  spec_json j;
  try {
    j = spec_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    amalur::detail::fail<value_error>("spec '", path, "' is not valid JSON: ", e.what());
  }
  spec s = parse_spec(j, std::filesystem::path(path).parent_path());
  if (s.name.empty()) s.name = std::filesystem::path(path).stem().string();
  return s;
}

/// Tables loaded, rows integrated, features encoded, labels read.
struct prepared {
  std::map<std::string, io::table> tables;
  integrated_rows rows;
  std::optional<encoded_design> design;
  Eigen::VectorXd labels;
  double load_seconds = 0, prepare_seconds = 0;
  double megabytes = 0;  // CSV bytes read

  /// Frees the tables and the join's row indices once the design is built
  /// (it holds its own): most of a run's memory before the fit. The counts
  /// (rows, matched, unmatched) stay; names no longer resolve.
  void release_data() {
    rows.tables.clear();
    rows.row_of.clear();
    tables.clear();
  }
};

/// Reads one table of the spec (all its union parts, or those `keep` selects),
/// paths relative to the spec; adds the bytes read to `megabytes`.
inline io::table load_table(const spec& s, const std::string& name, double& megabytes,
                            const std::function<bool(std::size_t part)>& keep = {}) {
  std::vector<io::table> parts;
  const auto& paths = s.tables.at(name);
  for (std::size_t k = 0; k < paths.size(); ++k) {
    if (keep && !keep(k)) continue;
    const auto full = (s.directory / paths[k]).string();
    if (const auto d = s.database_tables.find(name); d != s.database_tables.end()) {
      if (!s.read_database)
        amalur::detail::fail<value_error>("table '", name, "' is in the SQLite file '", paths[k],
                                          "': reading it needs amalur::catalog (set spec.read_database to "
                                          "amalur::catalog::read_sqlite_table)");
      parts.push_back(s.read_database(full, d->second, name));
      continue;
    }
    parts.push_back(io::read_csv(full, name));  // a file_error names the path first
    std::error_code ec;
    const auto size = std::filesystem::file_size(full, ec);
    if (!ec) megabytes += static_cast<double>(size) / 1e6;
  }
  if (parts.empty()) amalur::detail::fail<value_error>("table '", name, "': no part to read");
  return parts.size() == 1 ? std::move(parts[0]) : union_of(parts, name);
}

/// The coefficients a model gives the design's columns `names`, in order:
/// a reference level (or, when asked, an unseen level) gets 0; a column
/// the model never saw, or a model feature the design lacks, is an error.
inline Eigen::VectorXd coefficients_for(const std::vector<std::string>& names,
                                        const std::map<std::string, double>& coefficients,
                                        const std::set<std::string>& references, bool unseen_as_reference) {
  Eigen::VectorXd beta(static_cast<index_t>(names.size()));
  for (std::size_t k = 0; k < names.size(); ++k) {
    const auto it = coefficients.find(names[k]);
    if (it != coefficients.end())
      beta[static_cast<index_t>(k)] = it->second;
    else if (references.count(names[k]) || unseen_as_reference)
      beta[static_cast<index_t>(k)] = 0.0;
    else
      amalur::detail::fail<value_error>("predict: feature '", names[k], "' was not seen in training",
                                        " (--unseen-as-reference treats unseen levels as the reference)");
  }
  for (const auto& [name, value] : coefficients)
    if (std::find(names.begin(), names.end(), name) == names.end() && name.find('=') == std::string::npos)
      amalur::detail::fail<value_error>("predict: the spec has no feature '", name, "' that the model needs");
  return beta;
}

/// Whether categorical features drop their reference level (a model with an
/// intercept needs that) or keep every level (prediction: the model says which).
enum class levels { drop_reference, keep_all };
/// Whether the spec's label is read.
enum class labels { read, skip };

/// Loads, joins and encodes a spec's data into `out` (T is never built).
inline void prepare(const spec& s, prepared& out, levels l, labels with = labels::read) {
  const bool intercept = l == levels::drop_reference, with_labels = with == labels::read;
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  for (const auto& [name, paths] : s.tables) out.tables.emplace(name, load_table(s, name, out.megabytes));
  const auto t1 = clock::now();
  out.rows = join(out.tables, s.base, s.joins);
  out.design = encode(out.rows, s.features, intercept);
  if (with_labels) out.labels = label(out.rows, s.label, s.threshold);
  out.load_seconds = std::chrono::duration<double>(t1 - t0).count();
  out.prepare_seconds = std::chrono::duration<double>(clock::now() - t1).count();
}

/// As the spec's model needs it: reference levels dropped when the model has
/// an intercept (k-means has none), the label read when the spec names one.
inline void prepare(const spec& s, prepared& out) {
  prepare(s, out, s.model.intercept && !s.model.is_kmeans() ? levels::drop_reference : levels::keep_all,
          s.label.empty() ? labels::skip : labels::read);
}

}  // namespace amalur::integration
