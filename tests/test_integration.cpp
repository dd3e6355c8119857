// The integration front-end: CSV, joins, unions, coalesce, encoding, and the
// amalur program end to end. Each design is checked against a T built by hand.

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include <amalur/amalur.hpp>
#include <amalur/integration/spec.hpp>
#include <amalur/io/profile_json.hpp>

#include "cli.hpp"

using namespace amalur;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using integration::feature_spec;
using integration::join_kind;
using integration::join_spec;

namespace {
std::map<std::string, io::table> tables(std::initializer_list<std::pair<const char*, const char*>> csv) {
  std::map<std::string, io::table> out;
  for (const auto& [name, text] : csv) out.emplace(name, io::parse_csv(text, name));
  return out;
}
feature_spec numeric(const char* c) { return {c, false, "", {}, ""}; }
feature_spec onehot(const char* c) { return {c, true, "", {}, ""}; }
MatrixXd dense(const integration::encoded_design& d) { return d.matrix.materialize(); }
MatrixXd rows_of(std::initializer_list<std::initializer_list<double>> r) {
  MatrixXd m(static_cast<Eigen::Index>(r.size()), static_cast<Eigen::Index>(r.begin()->size()));
  Eigen::Index i = 0;
  for (const auto& row : r) {
    Eigen::Index j = 0;
    for (double v : row) m(i, j++) = v;
    ++i;
  }
  return m;
}

const char* kOrders = "id,customer,amount\n1,a,10\n2,b,20\n3,z,30\n4,a,40\n";
const char* kCustomers = "key,age,city\na,30,Oslo\nb,40,\"Bergen, NO\"\nc,50,Oslo\n";
}  // namespace

TEST_CASE("CSV: quotes, commas and newlines inside fields, empty is missing, NA is text", "[csv]") {
  const io::table t = io::parse_csv("name,n,x\n\"a, b\",1,1.5\n\"say \"\"hi\"\"\",2,\nNA,,2\n\"two\nlines\",4,3\n", "t");
  REQUIRE(t.rows == 4);
  CHECK(t.at("name").kind == io::column_kind::text);
  CHECK(t.at("name").text_at(0) == "a, b");
  CHECK(t.at("name").text_at(1) == "say \"hi\"");
  CHECK(t.at("name").text_at(2) == "NA");
  CHECK_FALSE(t.at("name").is_missing(2));
  CHECK(t.at("name").text_at(3) == "two\nlines");
  CHECK(t.at("n").kind == io::column_kind::integer);
  CHECK(t.at("n").is_missing(2));
  CHECK(t.at("x").kind == io::column_kind::real);
  CHECK(t.at("x").is_missing(1));
  CHECK(t.lines.empty());  // every row starts on the line after the previous one's: no per-row index kept
  CHECK(t.line_of(3) == 5);
  CHECK(t.line_of(4) == 0);
  CHECK(t.where(2) == "table 't' line 4");
  CHECK_THROWS_WITH(io::parse_csv("a,b\n1,2,3\n", "bad"), Catch::Contains("line 2: a record has 3 fields but the header has 2"));
  CHECK_THROWS_WITH(io::parse_csv("a,b\n1\n", "short"), Catch::Contains("line 2: a record has 1 fields but the header has 2"));
  CHECK_THROWS_WITH(t.at("nope"), Catch::Contains("no column 'nope'"));
  // The reader's rules through the C++ API: BOM, CRLF, exact int64, unique headers, strict numbers, line numbers.
  const io::table b = io::parse_csv("\xEF\xBB\xBFk,v\r\n9007199254740993,0x1A\r\n\r\n9007199254740992,2\r\n", "b");
  CHECK(b.columns[0].name == "k");
  CHECK(b.at("k").kind == io::column_kind::integer);
  CHECK(b.at("k").text_at(0) == "9007199254740993");
  CHECK(b.at("k").text_at(1) == "9007199254740992");
  CHECK(b.at("v").kind == io::column_kind::text);  // 0x1A is not a number
  CHECK(b.lines == std::vector<std::int64_t>{2, 4});
  CHECK(b.line_of(1) == 4);
  CHECK_THROWS_WITH(io::parse_csv("a,a\n1,2\n", "d"), Catch::Contains("line 1: the header names column 'a' twice"));
  CHECK_THROWS_WITH(io::parse_csv("a\n\"x\n", "q"), Catch::Contains("line 2: a quoted field opened here is never closed"));
  double v = 0;
  CHECK_FALSE(io::parse_real("inf", v));
  CHECK_FALSE(io::parse_real("1e400", v));
  CHECK(io::parse_real("-1.5e-3", v));
  CHECK_THROWS_WITH(io::read_csv("/nonexistent.csv", "x"), Catch::Contains("cannot open"));
}

TEST_CASE("CSV: a column typed late keeps every row's value, in first-seen level order", "[csv]") {
  // The reader types columns as it goes: rows read before a demotion are read again.
  std::string text = "i,r,t,z\n";
  for (int k = 0; k < 300; ++k) text += std::to_string(k) + "," + std::to_string(k) + ",L" + std::to_string(k % 7) + ",-0\n";
  text += "1.5,2.25,x,0.5\n7,,,\n300,x,L1,\n";
  const io::table t = io::parse_csv(text, "late");
  REQUIRE(t.rows == 303);
  const io::column &i = t.at("i"), &r = t.at("r"), &l = t.at("t"), &z = t.at("z");
  CHECK(i.kind == io::column_kind::real);
  CHECK(i.integers.empty());
  CHECK(i.values[299] == 299.0);
  CHECK(i.values[300] == 1.5);
  CHECK(r.kind == io::column_kind::text);  // "x" at the end
  CHECK(r.levels[0] == "0");
  CHECK(r.levels[299] == "299");
  CHECK(r.text_at(300) == "2.25");
  CHECK(r.is_missing(301));
  CHECK(r.codes[301] == -1);
  CHECK(r.text_at(302) == "x");
  CHECK(l.levels == std::vector<std::string>{"L0", "L1", "L2", "L3", "L4", "L5", "L6", "x"});
  CHECK(z.kind == io::column_kind::real);  // "-0" was an integer until 0.5, and reads as -0.0
  CHECK(std::signbit(z.values[0]));
  CHECK(z.values[300] == 0.5);
  CHECK(z.is_missing(301));
  // Many levels (the dictionary grows), short and long, sharing prefixes.
  std::string many = "k\n";
  for (int k = 0; k < 5000; ++k) many += (k % 2 ? "key-with-a-long-prefix-" : "k") + std::to_string(k * 7919 % 5000) + "\n";
  many += "k0\nkey-with-a-long-prefix-2919\n";  // repeats: row 0's value, and row 1's (7919 % 5000)
  const io::table m = io::parse_csv(many, "many");
  const io::column& c = m.at("k");
  REQUIRE(c.levels.size() == 5000);
  CHECK(c.codes[5000] == 0);
  CHECK(c.text_at(5001) == "key-with-a-long-prefix-2919");
  CHECK(c.codes[5001] == c.codes[1]);
  for (std::size_t k = 0; k < c.levels.size(); ++k) CHECK(c.codes[k] == static_cast<std::int32_t>(k));
}

TEST_CASE("CSV: the word-at-a-time integer parse agrees with parse_integer on every short field", "[csv]") {
  // Every field of 1 or 2 bytes over all byte values, and random fields of
  // up to 8 bytes over digits, signs and other bytes, each with bytes after it.
  const auto agree = [](const std::string& field) {
    std::string padded = field + "12345678";
    std::int64_t fast = -1, slow = -1;
    const bool fast_ok = io::detail::parse_short_integer(padded.data(), field.size(), fast);
    const bool slow_ok = io::parse_integer(field, slow);
    // The fast path may hand a field back ('+1'), never accept one parse_integer refuses or read it differently.
    if (fast_ok) return slow_ok && fast == slow;
    const bool plain = !field.empty() && field.find_first_not_of("0123456789", field[0] == '-' ? 1 : 0) == std::string::npos &&
                       field != "-";
    return !plain;
  };
  std::size_t disagree = 0;
  for (int a = 0; a < 256; ++a) {
    disagree += !agree(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) disagree += !agree(std::string{static_cast<char>(a), static_cast<char>(b)});
  }
  std::mt19937 rng(7);
  const std::string alphabet = "0123456789-+/:.e \x7f\x80\xff";
  for (int k = 0; k < 200000; ++k) {
    std::string f(1 + rng() % 8, '0');
    for (char& c : f) c = rng() % 4 ? static_cast<char>('0' + rng() % 10) : alphabet[rng() % alphabet.size()];
    if (rng() % 3 == 0) f[0] = '-';
    disagree += !agree(f);
  }
  CHECK(disagree == 0);
  std::int64_t v = 0;
  CHECK((io::detail::parse_short_integer("-9999999xx", 8, v) && v == -9999999));
  CHECK((io::detail::parse_short_integer("99999999xx", 8, v) && v == 99999999));
  // A column read word-at-a-time keeps int64 only from a value past 2^53 on, and every value exactly.
  const io::table t = io::parse_csv("k\n12\n-7\n9007199254740993\n5\n", "big");
  const io::column& k = t.at("k");
  REQUIRE(k.integers.size() == 4);
  CHECK(k.integer_at(0) == 12);
  CHECK(k.integer_at(1) == -7);
  CHECK(k.integer_at(2) == 9007199254740993);
  CHECK(k.integer_at(3) == 5);
}

TEST_CASE("CSV: read in pieces on several threads, the table is the one a single read gives", "[csv][threads]") {
  // Random tables whose columns change kind late (integer, then real or
  // text), take values past 2^53 in one stretch only, "-0", missing fields,
  // blank lines, CRLF and non-ASCII text; each read in 2, 3 and 7 pieces
  // of at least 64 bytes (one per thread) against the single read.
  std::mt19937 rng(11);
  for (int trial = 0; trial < 40; ++trial) {
    std::string text = trial % 2 ? "\xEF\xBB\xBFid,n,late_real,late_text,big,word\n" : "id,n,late_real,late_text,big,word\n";
    const int rows = 50 + static_cast<int>(rng() % 400);
    const int change = static_cast<int>(rng() % static_cast<unsigned>(rows + 1));
    for (int r = 0; r < rows; ++r) {
      if (rng() % 29 == 0) text += trial % 3 ? "\n" : "\r\n";  // a blank line
      const bool late = r >= change;
      text += std::to_string(r) + ",";
      text += rng() % 11 ? std::to_string(static_cast<int>(rng() % 2001) - 1000) : std::string(rng() % 2 ? "" : "-0");
      text += "," + (late && rng() % 3 == 0 ? std::to_string(rng() % 100) + ".25"
                                            : rng() % 13 == 0 ? std::string("-0") : std::to_string(rng() % 100));
      text += "," + (late ? std::string("t") + std::to_string(rng() % 5) : std::to_string(rng() % 7));
      text += "," + (late && trial % 4 == 0 && rng() % 5 == 0 ? std::string("9007199254740993") : std::to_string(rng() % 9));
      static const char* words[] = {"ab", "caf\xC3\xA9", "a-much-longer-level", "", "x"};
      text += "," + std::string(words[rng() % 5]) + (trial % 3 ? "\n" : "\r\n");
    }
    const io::table one = io::parse_csv_view(text, "t", "", 1);
    for (int threads : {2, 3, 7}) {
      const io::table many = io::parse_csv_view(text, "t", "", threads, 64);
      REQUIRE(many.rows == one.rows);
      CHECK(many.lines == one.lines);
      CHECK(many.first_line == one.first_line);
      for (std::size_t j = 0; j < one.columns.size(); ++j) {
        const io::column &a = one.columns[j], &b = many.columns[j];
        CHECK(a.name == b.name);
        CHECK(a.kind == b.kind);
        CHECK(a.missing == b.missing);
        CHECK(a.levels == b.levels);
        CHECK(a.codes == b.codes);
        CHECK(a.integers == b.integers);
        REQUIRE(a.values.size() == b.values.size());
        CHECK((a.values.empty() || std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(double)) == 0));  // -0.0 included
      }
    }
  }
  // A bad record in a later piece gives the single read's error, at its line.
  std::string bad = "a,b\n";
  for (int r = 0; r < 200; ++r) bad += std::to_string(r) + ",x\n";
  bad += "1,2,3\n7,\xC3\n";
  std::string message;
  try {
    io::parse_csv_view(bad, "bad", "", 1);
  } catch (const std::exception& e) {
    message = e.what();
  }
  CHECK_THAT(message, Catch::Contains("line 202: a record has 3 fields"));
  CHECK_THROWS_WITH(io::parse_csv_view(bad, "bad", "", 3, 64), message);
}

TEST_CASE("CSV: carriage returns, quotes over several parts, lines, and a file read as its text", "[csv]") {
  // A lone CR inside an unquoted field is text; after a closing quote, or at the end, it ends the record.
  const std::string text = "a,b\nx\ry,1\n\"p\"\"q\"\"\"\"r\",\"\"\r\n\"multi\nline\",\"\"\"\"\n\n,\n";
  const io::table t = io::parse_csv(text, "cr");
  REQUIRE(t.rows == 4);
  CHECK(t.at("a").text_at(0) == "x\ry");
  CHECK(t.at("a").text_at(1) == "p\"q\"\"r");
  CHECK(t.at("b").is_missing(1));  // "" is empty, so missing
  CHECK(t.at("a").text_at(2) == "multi\nline");
  CHECK(t.at("b").text_at(2) == "\"");
  CHECK(t.at("a").is_missing(3));
  CHECK(t.lines == std::vector<std::int64_t>{2, 3, 4, 7});
  CHECK_THROWS_WITH(io::parse_csv("a,b\n\"q\"\r2,3\n", "cr"), Catch::Contains("line 2: a record has 1 fields but the header has 2"));
  CHECK(io::parse_csv("a,b\n1,2\r", "cr").at("b").integer_at(0) == 2);
  CHECK(io::parse_csv("a,b\n1,2\r", "cr").at("b").integers.empty());  // exact as a double: kept once
  CHECK_THROWS_WITH(io::parse_csv("a\nok\n\"x\"y\n", "q"), Catch::Contains("line 3: text after the closing quote of a field"));
  CHECK_THROWS_WITH(io::parse_csv("a,b\n\xC3\xA9,\xC3\n", "u"), Catch::Contains("line 2: column 'b': byte 0xc3 is not UTF-8"));
  // read_csv (the file mapped) gives the table parse_csv gives for the same bytes.
  const auto dir = amalur_test::scratch("integration", "csv-file");
  std::ofstream(dir / "t.csv", std::ios::binary) << text;
  const io::table f = io::read_csv((dir / "t.csv").string(), "cr");
  CHECK(f.at("a").levels == t.at("a").levels);
  CHECK(f.at("b").codes == t.at("b").codes);
  CHECK(f.lines == t.lines);
  CHECK(f.first_line == t.first_line);
  CHECK(f.source == (dir / "t.csv").string());
  std::ofstream(dir / "empty.csv", std::ios::binary) << "";
  CHECK_THROWS_WITH(io::read_csv((dir / "empty.csv").string(), "e"), Catch::Contains("is empty: no header row"));
}

TEST_CASE("joins on one key column: text, integer (dense or sparse), integer against real, through unmatched rows",
          "[integration]") {
  const auto t = tables({{"f", "s,n,x,big\nb,2,2.0,-5\na,1,1,1000000000000000\nz,9,9.5,\nb,,12,7\n"},
                         {"d", "s,n,w,big\na,1,10,1000000000000000\nb,2,20,-5\nc,12,30,3\n"}});
  auto on = [](const char* left, const char* right) {
    return join_spec{"d", "d", join_kind::left, {{left, right}}};
  };
  for (const auto& [left, right] : std::vector<std::pair<const char*, const char*>>{{"s", "s"}, {"n", "n"}, {"big", "big"}}) {
    const auto rows = integration::join(t, "f", {on(left, right)});
    CHECK(rows.rows_of("d") == std::vector<amalur::row_index>{1, 0, amalur::row_index(none), amalur::row_index(std::string(left) == "s" ? 1 : none)});
    CHECK(rows.unmatched.at("d") == (std::string(left) == "s" ? 1 : 2));
  }
  // Keys match when their texts do: integer 12 and real 12.0 (the general path).
  CHECK(integration::join(t, "f", {on("x", "n")}).rows_of("d") == std::vector<amalur::row_index>{1, 0, amalur::row_index(none), 2});
  // A second join keyed on the first one's columns, through its unmatched rows.
  const auto chain = integration::join(t, "f", {on("n", "n"), {"d", "e", join_kind::inner, {{"d.s", "s"}}}});
  CHECK(chain.rows == 2);
  CHECK(chain.rows_of("f") == std::vector<amalur::row_index>{0, 1});
  CHECK(chain.rows_of("e") == std::vector<amalur::row_index>{1, 0});
  // Duplicates and unmatched keys: the same errors on every path.
  const auto dup = tables({{"f", "k\n1\n"}, {"d", "k,s\n1,a\n3,b\n1,c\n"}, {"e", "k\na\nb\nb\n"}, {"g", "k\nq\n"}});
  CHECK_THROWS_WITH(integration::join(dup, "f", {{"d", "d", join_kind::left, {{"k", "k"}}}}),
                    Catch::Contains("table 'd' key column 'k' is not unique (first repeated value '1')"));
  CHECK_THROWS_WITH(integration::join(dup, "g", {{"e", "e", join_kind::left, {{"k", "k"}}}}),
                    Catch::Contains("table 'e' key column 'k' is not unique (first repeated value 'b')"));
  join_spec strict{"d", "d", join_kind::left, {{"n", "n"}}, integration::unmatched_policy::error};
  CHECK_THROWS_WITH(integration::join(t, "f", {strict}),
                    Catch::Contains("join 'd': key '9' of f data row 2 (table 'f' line 4) has no match in table 'd'"));
}

TEST_CASE("left join: unmatched rows contribute zeros and are counted", "[integration]") {
  const auto t = tables({{"orders", kOrders}, {"customers", kCustomers}});
  const auto rows = integration::join(t, "orders", {{"customers", "c", join_kind::left, {{"customer", "key"}}}});
  CHECK(rows.rows == 4);
  CHECK(rows.unmatched.at("c") == 1);
  const auto d = integration::encode(rows, {numeric("orders.amount"), numeric("c.age")}, true);
  CHECK(d.names == std::vector<std::string>{"orders.amount", "c.age"});
  CHECK(dense(d) == rows_of({{10, 30}, {20, 40}, {30, 0}, {40, 30}}));
}

TEST_CASE("inner join and the drop policy remove unmatched rows, and error names the key", "[integration]") {
  const auto t = tables({{"orders", kOrders}, {"customers", kCustomers}});
  for (auto join : {join_spec{"customers", "c", join_kind::inner, {{"customer", "key"}}},
                    join_spec{"customers", "c", join_kind::left, {{"customer", "key"}}, integration::unmatched_policy::drop}}) {
    const auto rows = integration::join(t, "orders", {join});
    CHECK(rows.rows == 3);
    CHECK(dense(integration::encode(rows, {numeric("amount"), numeric("c.age")}, true)) ==
          rows_of({{10, 30}, {20, 40}, {40, 30}}));
  }
  join_spec strict{"customers", "c", join_kind::left, {{"customer", "key"}}, integration::unmatched_policy::error};
  CHECK_THROWS_WITH(integration::join(t, "orders", {strict}),
                    Catch::Contains("join 'c': key 'z' of orders data row 2 (table 'orders' line 4) has no match in table 'customers'"));
  // The policy holds for inner joins too: no silent drop.
  join_spec strict_inner{"customers", "c", join_kind::inner, {{"customer", "key"}}, integration::unmatched_policy::error};
  CHECK_THROWS_WITH(integration::join(t, "orders", {strict_inner}), Catch::Contains("key 'z' of orders data row 2"));
}

TEST_CASE("full outer join appends the rows only the joined table has", "[integration]") {
  const auto t = tables({{"orders", kOrders}, {"customers", kCustomers}});
  const auto rows = integration::join(t, "orders", {{"customers", "c", join_kind::full, {{"customer", "key"}}}});
  REQUIRE(rows.rows == 5);
  CHECK(dense(integration::encode(rows, {numeric("amount"), numeric("c.age")}, true)) ==
        rows_of({{10, 30}, {20, 40}, {30, 0}, {40, 30}, {0, 50}}));
}

TEST_CASE("many-to-many joins multiply rows when declared, otherwise a duplicate key is an error", "[integration]") {
  const auto t = tables({{"l", "k,x\n1,1\n2,2\n"}, {"r", "k,y\n1,10\n1,11\n2,20\n"}});
  CHECK_THROWS_WITH(integration::join(t, "l", {{"r", "r", join_kind::left, {{"k", "k"}}}}),
                    Catch::Contains("table 'r' key column 'k' is not unique (first repeated value '1')"));
  join_spec m2m{"r", "r", join_kind::left, {{"k", "k"}}};
  m2m.many_to_many = true;
  const auto rows = integration::join(t, "l", {m2m});
  CHECK(dense(integration::encode(rows, {numeric("x"), numeric("r.y")}, true)) ==
        rows_of({{1, 10}, {1, 11}, {2, 20}}));
  CHECK(std::holds_alternative<gather_rows>(rows.indicator("l")));  // both sides get indicators
}

TEST_CASE("key problems name the table, the column and the value", "[integration]") {
  const auto t = tables({{"orders", kOrders}, {"customers", kCustomers}});
  CHECK_THROWS_WITH(integration::join(t, "orders", {{"customers", "c", join_kind::left, {{"customer", "nokey"}}}}),
                    Catch::Contains("key column 'nokey' is missing from table 'customers'"));
  CHECK_THROWS_WITH(integration::join(t, "orders", {{"customers", "c", join_kind::left, {{"amount", "key"}}}}),
                    Catch::Contains("type mismatch: orders.amount is integer but customers.key is text"));
  CHECK_THROWS_WITH(integration::join(t, "orders", {{"nope", "n", join_kind::left, {{"id", "key"}}}}),
                    Catch::Contains("unknown table 'nope'"));
}

TEST_CASE("chains, stars and one table under two aliases", "[integration]") {
  const auto t = tables({{"flights", "origin,dest,minutes\nA,B,10\nB,A,20\nA,C,30\n"},
                         {"airports", "code,city,altitude\nA,x,1\nB,y,2\nC,x,3\n"},
                         {"cities", "name,size\nx,100\ny,200\n"}});
  const auto rows = integration::join(t, "flights",
                                      {{"airports", "o", join_kind::left, {{"origin", "code"}}},
                                       {"airports", "d", join_kind::left, {{"dest", "code"}}},
                                       {"cities", "dc", join_kind::left, {{"d.city", "name"}}}});
  const auto d = integration::encode(rows, {numeric("minutes"), numeric("o.altitude"), numeric("d.altitude"),
                                            numeric("dc.size")}, true);
  CHECK(dense(d) == rows_of({{10, 1, 2, 200}, {20, 2, 1, 100}, {30, 1, 3, 100}}));
}

TEST_CASE("a union appends tables by column name", "[integration]") {
  const io::table u = integration::union_of({io::parse_csv("a,b\n1,x\n2,y\n", "p1"), io::parse_csv("b,a\nz,3.5\n", "p2")}, "u");
  CHECK(u.rows == 3);
  CHECK(u.at("a").kind == io::column_kind::real);
  CHECK(u.at("a").values == std::vector<double>{1, 2, 3.5});
  CHECK(u.at("b").text_at(2) == "z");
  CHECK_THROWS_WITH(integration::union_of({io::parse_csv("a\n1\n", "p1"), io::parse_csv("a\nx\n", "p2")}, "u"),
                    Catch::Contains("column 'a' is text in 'p2' but integer before"));
}

TEST_CASE("coalesce takes the first listed column that has a value (SQL COALESCE)", "[integration][overlap]") {
  // Two silos with the same patients' weight; silo a misses patient 2's weight.
  const auto t = tables({{"patients", "id\n1\n2\n3\n4\n"},
                         {"a", "id,weight\n1,55\n2,\n3,70\n"},
                         {"b", "id,weight\n1,99\n2,60\n4,80\n"}});
  const auto rows = integration::join(t, "patients", {{"a", "a", join_kind::left, {{"id", "id"}}},
                                                      {"b", "b", join_kind::left, {{"id", "id"}}}});
  feature_spec w;
  w.coalesce = {"a.weight", "b.weight"};
  w.name = "weight";
  auto d = integration::encode(rows, {w}, true);
  CHECK(d.names == std::vector<std::string>{"weight"});
  CHECK(dense(d) == rows_of({{55}, {60}, {70}, {80}}));  // never 55 + 99
  d.matrix.set_strategy(strategy::factorized);
  CHECK(d.matrix.col_sums()[0] == 265.0);
}

TEST_CASE("one-hot levels are those of T, byte-wise, the first dropped with an intercept", "[integration]") {
  const auto t = tables({{"orders", kOrders}, {"customers", kCustomers}});
  const auto rows = integration::join(t, "orders", {{"customers", "c", join_kind::left, {{"customer", "key"}}}});
  // City "Oslo" (customer c) is taken by no order... but customer a lives in Oslo too.
  const auto with = integration::encode(rows, {onehot("c.city")}, true);
  CHECK(with.names == std::vector<std::string>{"c.city=Oslo"});
  CHECK(with.reference_levels == std::vector<std::string>{"c.city=Bergen, NO"});
  CHECK(dense(with) == rows_of({{1}, {0}, {0}, {1}}));
  const auto without = integration::encode(rows, {onehot("c.city"), onehot("customer")}, false);
  CHECK(without.names ==
        std::vector<std::string>{"c.city=Bergen, NO", "c.city=Oslo", "customer=a", "customer=b", "customer=z"});
  CHECK(dense(without) == rows_of({{0, 1, 1, 0, 0}, {1, 0, 0, 1, 0}, {0, 0, 0, 0, 1}, {0, 1, 1, 0, 0}}));
}

TEST_CASE("date parts, and missing feature values", "[integration]") {
  const auto t = tables({{"f", "date,x\n2001-01-01 06:30,1\n2001-02-28 23:59,\n"}});
  const auto rows = integration::join(t, "f", {});
  feature_spec hour{"f.date", false, "hour", {}, ""}, weekday{"f.date", false, "weekday", {}, ""},
      month{"f.date", true, "month", {}, ""};
  const auto d = integration::encode(rows, {hour, weekday, month}, true);
  CHECK(d.names == std::vector<std::string>{"f.date:hour", "f.date:weekday", "f.date:month=2"});
  CHECK(dense(d) == rows_of({{6, 0, 0}, {23, 2, 1}}));  // a Monday and a Wednesday
  CHECK_THROWS_WITH(integration::encode(rows, {numeric("f.x")}, true), Catch::Contains("missing value in source row 1"));
  CHECK_THROWS_WITH(integration::encode(rows, {numeric("f.date")}, true), Catch::Contains("text column"));
}

namespace {
std::filesystem::path shared_data() { return std::filesystem::path(AMALUR_SOURCE_DIR) / ".." / "shared" / "data"; }

/// The program's JSON output (null when it printed none) and its exit status.
nlohmann::json run_cli(const std::filesystem::path& dir, const std::string& args, int& status) {
  const amalur_test::cli_result r = amalur_test::run_cli(dir, args);
  status = r.status;
  return r.out.empty() ? nlohmann::json() : r.parsed();
}
}  // namespace

TEST_CASE("amalur train on the real flights: factorized and materialized give the same coefficients", "[cli]") {
  if (!std::filesystem::exists(shared_data() / "flights-2001-jan-feb.csv"))
    amalur_test::skip("../shared/data is absent");
  const auto dir = amalur_test::scratch("integration", "e2e");
  nlohmann::json spec = nlohmann::json::parse(std::ifstream(std::string(AMALUR_SOURCE_DIR) + "/data/flights.json"));
  spec["tables"]["flights"]["path"] = (shared_data() / "flights-2001-jan-feb.csv").string();
  spec["tables"]["airports"]["path"] = (shared_data() / "airports.csv").string();
  std::ofstream(dir / "spec.json") << spec.dump();
  int status = 0;
  const auto fact = run_cli(dir, "train " + (dir / "spec.json").string() + " --strategy factorized", status);
  CHECK(status == 0);
  const auto mat = run_cli(dir, "train " + (dir / "spec.json").string() + " --strategy materialized", status);
  CHECK(status == 0);
  REQUIRE(fact.contains("coefficients"));
  CHECK(fact["strategy"] == "factorized");
  CHECK(mat["strategy"] == "materialized");
  CHECK(fact["n_rows"] == 966409);
  CHECK(fact["unmatched"]["o"] == 0);
  for (const auto& [name, value] : fact["coefficients"].items())
    CHECK(std::abs(value.get<double>() - mat["coefficients"][name].get<double>()) <=
          1e-6 * (1 + std::abs(value.get<double>())));
  CHECK(std::abs(fact["deviance"].get<double>() - mat["deviance"].get<double>()) < 1e-6 * fact["deviance"].get<double>());
}

TEST_CASE("amalur exit codes: 2 for a bad spec, 3 for no convergence, 4 for a missing file", "[cli]") {
  const auto dir = amalur_test::scratch("integration", "codes");
  std::ofstream(dir / "t.csv") << "x,y\n1,0\n2,1\n3,0\n4,1\n5,1\n";
  std::ofstream(dir / "ok.json")
      << R"({"tables": {"t": {"path": "t.csv"}}, "base": "t", "features": [{"column": "t.x"}],
            "label": {"column": "t.y"}, "model": {"family": "binomial", "max_iterations": 1}})";
  std::ofstream(dir / "bad.json") << R"({"tables": {"t": {"path": "t.csv"}}, "base": "t", "features": []})";
  int status = 0;
  const auto out = run_cli(dir, "train " + (dir / "ok.json").string(), status);
  CHECK(status == 3);
  CHECK(out["converged"] == false);
  run_cli(dir, "train " + (dir / "bad.json").string(), status);
  CHECK(status == 2);
  run_cli(dir, "train " + (dir / "missing.json").string(), status);
  CHECK(status == 4);  // a file that cannot be read
}

TEST_CASE("amalur --threads 1, 2 and 3 print the same bits (shipped flights sample, past several row blocks)", "[cli]") {
  const auto dir = amalur_test::scratch("integration", "threads");
  const std::filesystem::path source = std::filesystem::path(AMALUR_SOURCE_DIR) / "data";
  REQUIRE(std::system(("xz -dc " + (source / "flights-sample.csv.xz").string() + " | head -100001 > " +
                       (dir / "flights.csv").string()).c_str()) == 0);
  REQUIRE(std::system(("xz -dc " + (source / "airports.csv.xz").string() + " > " + (dir / "airports.csv").string())
                          .c_str()) == 0);
  std::filesystem::copy_file(source / "flights.json", dir / "flights.json");
  std::string first;
  for (const char* threads : {"1", "2", "3"}) {
    int status = 0;
    // --threads after the positional argument, as every sub-command accepts it.
    nlohmann::json out = run_cli(dir, "train " + (dir / "flights.json").string() + " --threads " + threads, status);
    REQUIRE(status == 0);
    const std::string fitted = out["coefficients"].dump() + out["standard_errors"].dump() + out["deviance"].dump() +
                               out["metrics"].dump() + out["strategy"].dump();
    if (first.empty()) first = fitted;
    CHECK(fitted == first);
  }
  int status = 0;
  run_cli(dir, "explain " + (dir / "flights.json").string() + " --threads -1", status);
  CHECK(status == 2);
}

TEST_CASE("a hardware profile's JSON keeps its thread count, efficiency and page rate and refuses bad ones", "[io]") {
  amalur::hardware_profile hw;
  hw.threads = 3;
  hw.random_per_second = 1.5e8;
  const amalur::hardware_profile back = amalur::io::profile_from_json(amalur::io::to_json(hw));
  CHECK(back.threads == 3);
  CHECK(back.random_per_second == 1.5e8);
  hw.fresh_bytes_per_second = 2.5e9;
  CHECK(amalur::io::profile_from_json(amalur::io::to_json(hw)).fresh_bytes_per_second == 2.5e9);
  auto j = amalur::io::to_json(hw);
  j.erase("fresh_bytes_per_second");  // files saved before the field: the default
  CHECK(amalur::io::profile_from_json(j).fresh_bytes_per_second == amalur::default_profile.fresh_bytes_per_second);
  j["fresh_bytes_per_second"] = 0;
  CHECK_THROWS_WITH(amalur::io::profile_from_json(j), Catch::Contains("'fresh_bytes_per_second' must be a positive number"));
  j["fresh_bytes_per_second"] = 2.5e9;
  j.erase("threads");
  CHECK(amalur::io::profile_from_json(j).threads == 0);  // absent: this machine's cores
  j["threads"] = -1;
  CHECK_THROWS_WITH(amalur::io::profile_from_json(j), Catch::Contains("'threads' must be a whole number"));
  j["threads"] = 2.5;
  CHECK_THROWS_WITH(amalur::io::profile_from_json(j), Catch::Contains("'threads'"));
  j["threads"] = 2;
  j["parallel_efficiency"] = 1.5;
  CHECK_THROWS_WITH(amalur::io::profile_from_json(j), Catch::Contains("'parallel_efficiency' must be a number from 0 to 1"));
  j["parallel_efficiency"] = 0.25;
  CHECK(amalur::io::profile_from_json(j).parallel_efficiency == 0.25);
}
