#pragma once
// Who holds what, read off the spec's DI metadata. A join to a silo's table
// splits T by columns (vertical); a union whose parts sit in silos splits it
// by rows (horizontal). Rank 0 is the aggregator; ranks 1..K are the silos
// in the order they first appear in the spec's "tables". What silo mode
// cannot run is an error here, before any data is read.

#include <algorithm>

#include "amalur/integration/spec.hpp"

namespace amalur::silos {

enum class split { vertical, horizontal };

inline const char* name_of(split s) { return s == split::vertical ? "vertical" : "horizontal"; }

struct placement {
  split mode = split::vertical;
  std::vector<std::string> parties;        // [aggregator, silo 1, ..., silo K]
  std::map<std::string, int> alias_owner;  // vertical: table alias -> rank
  std::vector<int> join_owner;             // vertical: per join, the rank holding its table
  std::vector<int> feature_owner;          // vertical: per feature, the rank holding its column(s)

  int silos() const { return static_cast<int>(parties.size()) - 1; }
  int rank_of(const std::string& silo) const {
    for (std::size_t r = 1; r < parties.size(); ++r)
      if (parties[r] == silo) return static_cast<int>(r);
    return 0;  // "", "*": the aggregator (public tables it may hold too)
  }
};

namespace detail {
inline std::string alias_of(const std::string& qualified, const std::string& base) {
  const auto dot = qualified.find('.');
  return dot == std::string::npos ? base : qualified.substr(0, dot);
}
}  // namespace detail

/// Plans silo mode for a spec; a value_error says what cannot run and why.
inline placement plan(const integration::spec& s) {
  using amalur::detail::fail;
  placement out;
  out.parties.push_back("aggregator");
  for (const auto& name : s.silos) out.parties.push_back(name);
  if (s.silos.empty())
    fail<value_error>("silo mode: no table or union part names a silo (give a table \"silo\": \"NAME\")");
  if (s.model.is_kmeans()) fail<value_error>("silo mode: k-means is not supported in silo mode (GLMs only)");
  if (s.model.l1 > 0) fail<value_error>("silo mode: an l1 penalty is not supported in silo mode (use l2)");

  bool row_silos = false, column_silos = false;
  for (const auto& [table, parts] : s.silo_of_part)
    for (const auto& silo : parts) row_silos = row_silos || !silo.empty();
  for (const auto& [table, silo] : s.silo_of_table) column_silos = column_silos || silo != "*";
  if (row_silos && column_silos)
    fail<value_error>("silo mode: the spec mixes row silos (union parts) and column silos (tables); "
                      "use one kind of split");

  if (row_silos) {
    out.mode = split::horizontal;
    const auto parts = s.silo_of_part.find(s.base);
    if (parts == s.silo_of_part.end())
      fail<value_error>("silo mode: a horizontal split needs the base table '", s.base, "' to be the union whose parts sit in silos");
    for (std::size_t k = 0; k < parts->second.size(); ++k)
      if (parts->second[k].empty())
        fail<value_error>("silo mode: part ", k, " of the union '", s.base, "' names no silo; in a horizontal split every part does");
    for (const auto& [table, paths] : s.tables) {
      if (table == s.base) continue;
      const auto it = s.silo_of_table.find(table);
      if (it == s.silo_of_table.end() || it->second != "*")
        fail<value_error>("silo mode: table '", table, "' must be public reference data (\"silo\": \"*\") in a "
                          "horizontal split, so every silo can join it");
      if (s.silo_of_part.count(table))
        for (const auto& silo : s.silo_of_part.at(table))
          if (!silo.empty()) fail<value_error>("silo mode: only the base table '", s.base, "' may be split by rows");
    }
    return out;
  }

  out.mode = split::vertical;
  if (s.silo_of_table.count(s.base) && s.silo_of_table.at(s.base) != "*")
    fail<value_error>("silo mode: the base table '", s.base, "' holds the label and stays with the aggregator "
                      "in a vertical split");
  auto owner_of_table = [&](const std::string& table) {
    const auto it = s.silo_of_table.find(table);
    return it == s.silo_of_table.end() ? 0 : out.rank_of(it->second);
  };
  out.alias_owner[s.base] = 0;
  for (const auto& j : s.joins) {
    const std::string alias = j.alias.empty() ? j.table : j.alias;
    const int owner = owner_of_table(j.table);
    out.join_owner.push_back(owner);
    out.alias_owner[alias] = owner;
    if (owner == 0) {
      for (const auto& on : j.on)
        if (out.alias_owner[detail::alias_of(on.first, s.base)] != 0)
          fail<value_error>("silo mode: join '", alias, "' takes its key '", on.first,
                            "' from a silo's table; only joins keyed on the aggregator's columns are supported");
      continue;
    }
    if (j.kind == integration::join_kind::full)
      fail<value_error>("silo mode: join '", alias, "' is a full outer join onto silo '", out.parties[owner],
                        "', which would add rows the aggregator does not hold; use inner or left");
    if (j.many_to_many)
      fail<value_error>("silo mode: join '", alias, "' is many-to-many, which silo mode does not support");
    for (const auto& on : j.on)
      if (out.alias_owner.count(detail::alias_of(on.first, s.base)) == 0 ||
          out.alias_owner[detail::alias_of(on.first, s.base)] != 0)
        fail<value_error>("silo mode: join '", alias, "' takes its key '", on.first,
                          "' from another silo's table; the left key must be held by the aggregator");
  }
  for (int r = 1; r <= out.silos(); ++r)  // a silo learns its rows only through a join onto its table
    if (std::find(out.join_owner.begin(), out.join_owner.end(), r) == out.join_owner.end())
      fail<value_error>("silo mode: silo '", out.parties[static_cast<std::size_t>(r)],
                        "' holds no joined table, so it has no target rows");
  auto owner_of = [&](const std::string& qualified, const std::string& what) {
    const auto it = out.alias_owner.find(detail::alias_of(qualified, s.base));
    if (it == out.alias_owner.end()) fail<value_error>(what, " '", qualified, "' names an unknown table alias");
    return it->second;
  };
  for (const auto& f : s.features) {
    if (f.coalesce.empty()) {
      out.feature_owner.push_back(owner_of(f.column, "feature"));
      continue;
    }
    const int first = owner_of(f.coalesce.front(), "feature");
    for (const auto& c : f.coalesce)
      if (owner_of(c, "feature") != first)
        fail<value_error>("silo mode: the coalesced feature '", f.name, "' takes columns from different parties");
    out.feature_owner.push_back(first);
  }
  if (owner_of(s.label, "label") != 0)
    fail<value_error>("silo mode: the label '", s.label, "' must be held by the aggregator in a vertical split");
  return out;
}

}  // namespace amalur::silos
