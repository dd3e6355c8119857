#pragma once
// Content fingerprints for the catalog: a 64-bit hash, as 16 hex digits, of
// bytes or of a loaded table (names, types and values, so the same data from
// a CSV file or a SQLite table fingerprint alike). It detects change; it is
// not a cryptographic digest (silo mode's keyed hashes are, in libsodium).

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "amalur/io/table.hpp"

namespace amalur::catalog {

/// Accumulates bytes into a 64-bit hash, 8 bytes at a time (multiply-xorshift mixing).
class hasher {
 public:
  void add(std::string_view bytes) {
    std::size_t k = 0;
    for (; k + 8 <= bytes.size(); k += 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes.data() + k, 8);
      mix(word);
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, bytes.data() + k, bytes.size() - k);
    mix(tail ^ (static_cast<std::uint64_t>(bytes.size()) << 56));  // the length ends each piece
  }
  /// An integer column's values as add_values(integers) hashes them, whether
  /// it keeps them as int64 or (all exact) as doubles only.
  void add_integers(const io::column& c) {
    const std::size_t n = c.missing.size();
    for (std::size_t r = 0; r < n; ++r) mix(static_cast<std::uint64_t>(c.integer_at(static_cast<index_t>(r))));
    mix(static_cast<std::uint64_t>(n * sizeof(std::int64_t)) << 56);  // add()'s length word (no tail bytes)
  }
  template <class T>
  void add_values(const std::vector<T>& v) {
    add(std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)));
  }
  std::string hex() const {
    std::uint64_t h = finish(state_);
    std::string out(16, '0');
    for (int k = 15; k >= 0; --k, h >>= 4) out[static_cast<std::size_t>(k)] = "0123456789abcdef"[h & 0xf];
    return out;
  }

 private:
  static std::uint64_t finish(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  void mix(std::uint64_t word) { state_ = finish(state_ ^ (word + 0x9e3779b97f4a7c15ULL)); }
  std::uint64_t state_ = 0x6a09e667f3bcc908ULL;
};

inline std::string fingerprint(std::string_view bytes) {
  hasher h;
  h.add(bytes);
  return h.hex();
}

/// The fingerprint of a table's content: column names, types and values in order.
inline std::string fingerprint(const io::table& t) {
  hasher h;
  for (const auto& c : t.columns) {
    h.add(c.name);
    h.add(io::name_of(c.kind));
    h.add_values(c.missing);
    if (c.kind == io::column_kind::text) {
      h.add_values(c.codes);  // levels are numbered by first appearance, so equal data give equal codes
      for (const auto& level : c.levels) h.add(level);
    } else if (c.kind == io::column_kind::integer) {
      h.add_integers(c);
    } else {
      h.add_values(c.values);
    }
  }
  return h.hex();
}

}  // namespace amalur::catalog
