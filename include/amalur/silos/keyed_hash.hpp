#pragma once
// Join keys cross once, at set-up, as keyed hashes (libsodium's BLAKE2b,
// crypto_generichash, with a key drawn per run by the aggregator). A party
// without the key cannot test a guess against a hash; a party with it (every
// silo) can, so low-entropy keys are hidden from outsiders only. See the
// README's threat model.

#include <array>
#include <string>

#include <sodium.h>

#include "amalur/core/error.hpp"
#include "amalur/silos/message.hpp"

namespace amalur::silos {

using hash_key_bytes = std::array<std::uint8_t, crypto_generichash_KEYBYTES>;

inline void ensure_sodium() {
  if (sodium_init() < 0) throw error("silo mode: libsodium could not be initialised");
}

/// A fresh random key for one run.
inline hash_key_bytes new_hash_key() {
  ensure_sodium();
  hash_key_bytes key;
  crypto_generichash_keygen(key.data());
  return key;
}

/// The keyed hash of a key's text; the all-zero hash marks a missing key (it never matches).
inline key_hash hash_of(const std::string& text, const hash_key_bytes& key) {
  static_assert(sizeof(key_hash::bytes) >= crypto_generichash_BYTES_MIN, "hash too short for crypto_generichash");
  key_hash out;
  crypto_generichash(out.bytes, sizeof out.bytes, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                     key.data(), key.size());
  return out;
}

inline bool is_missing(const key_hash& h) {
  for (auto b : h.bytes)
    if (b) return false;
  return true;
}

struct key_hash_hasher {
  std::size_t operator()(const key_hash& h) const {
    std::size_t v;
    std::memcpy(&v, h.bytes, sizeof v);
    return v;
  }
};

}  // namespace amalur::silos
