#pragma once
// What crosses between parties in silo mode: one message carries one array
// (numbers, keyed hashes or a short text list) of a stated shape, under a
// named kind. Every transport moves the same byte encoding, so the in-process
// transport exercises the decoder that MPI uses, malformed bytes included.

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "amalur/core/config.hpp"
#include "amalur/core/error.hpp"

namespace amalur::silos {

/// Message kinds. The names are what the audit log shows.
enum class kind : std::uint16_t {
  heartbeat,
  error,             // text: a party's own bad input (it ends the run, exit 2)
  shutdown,          // scalar: the exit code every party ends with
  hash_key,          // set-up: the per-run key of the keyed hashes (32 bytes)
  join_request,      // set-up: text [alias, key kinds]
  join_keys,         // set-up: n keyed hashes of the left keys
  join_matches,      // set-up: n match flags (inner, drop, error) or 1 unmatched count (left)
  row_positions,     // set-up: n positions into the keys a silo matched (rows kept by later joins)
  levels,            // set-up: text, one-hot levels of one feature
  names,             // set-up: text, a silo's coefficient names
  reference_levels,  // set-up: text, levels a silo left out as references
  count,             // set-up: scalar (rows, unmatched rows)
  weights,           // vertical: W / n (n)
  working_response,  // vertical: the IRLS working response z (n)
  partial_predictor, // vertical: u_k = X_k v_k (n)
  product,           // vertical: W s / n for a Hessian-vector product (n)
  score,             // vertical: the score vector for the final gradient (n)
  dot,               // a scalar partial sum or its total
  decision,          // scalar: the aggregator's step size or stop flag
  gram,              // horizontal: X_k^T W X_k (p x p)
  rhs,               // horizontal: X_k^T W z (p)
  coefficients,      // parameters (p or p_k)
  gradient,          // horizontal: X_k^T score (p)
  standard_errors,   // a silo's standard errors (p_k)
  deviance,          // scalar
  moments,           // set-up, standardization: column sums or centred sums of squares (p)
  last_kind
};

inline const char* name_of(kind k) {
  static const char* const names[] = {"heartbeat",       "error",        "shutdown",         "hash_key",
                                      "join_request",    "join_keys",    "join_matches",     "row_positions",
                                      "levels",          "names",        "reference_levels", "count",
                                      "weights",         "working_response", "partial_predictor", "product",
                                      "score",           "dot",          "decision",         "gram",
                                      "rhs",             "coefficients", "gradient",         "standard_errors",
                                      "deviance",        "moments"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<std::size_t>(kind::last_kind),
                "every message kind needs a name");
  const auto i = static_cast<std::size_t>(k);
  return i < static_cast<std::size_t>(kind::last_kind) ? names[i] : "unknown";
}

/// The element type of a message's array.
enum class element : std::uint8_t { none, number, hash, text };

/// A keyed hash of one join key (BLAKE2b, 16 bytes).
struct key_hash {
  std::uint8_t bytes[16] = {};
  bool operator==(const key_hash& o) const { return std::memcmp(bytes, o.bytes, sizeof bytes) == 0; }
};

struct message {
  silos::kind kind = kind::heartbeat;
  element type = element::none;
  std::uint64_t rows = 0, cols = 0;    // the shape of the one array it carries
  std::vector<double> numbers;         // column-major, rows x cols
  std::vector<key_hash> hashes;        // rows x 1
  std::vector<std::string> texts;      // rows x 1

  static message of(silos::kind k, const Eigen::Ref<const Eigen::MatrixXd>& m) {
    message out;
    out.kind = k;
    out.type = element::number;
    out.rows = static_cast<std::uint64_t>(m.rows());
    out.cols = static_cast<std::uint64_t>(m.cols());
    out.numbers.resize(static_cast<std::size_t>(m.size()));
    Eigen::Map<Eigen::MatrixXd>(out.numbers.data(), m.rows(), m.cols()) = m;
    return out;
  }
  static message scalar(silos::kind k, double v) { return of(k, Eigen::Matrix<double, 1, 1>::Constant(v)); }
  static message of(silos::kind k, std::vector<key_hash> h) {
    message out;
    out.kind = k;
    out.type = element::hash;
    out.rows = h.size();
    out.cols = 1;
    out.hashes = std::move(h);
    return out;
  }
  static message of(silos::kind k, std::vector<std::string> t) {
    message out;
    out.kind = k;
    out.type = element::text;
    out.rows = t.size();
    out.cols = 1;
    out.texts = std::move(t);
    return out;
  }

  Eigen::Map<const Eigen::MatrixXd> matrix() const {
    return {numbers.data(), static_cast<index_t>(rows), static_cast<index_t>(cols)};
  }
  Eigen::Map<const Eigen::VectorXd> vector() const { return {numbers.data(), static_cast<index_t>(numbers.size())}; }
  double value() const { return numbers.at(0); }
};

namespace detail {
constexpr std::uint32_t message_magic = 0x414d5347;  // "AMSG"
constexpr std::size_t header_bytes = 4 + 2 + 1 + 1 + 8 + 8 + 8;

template <class T>
void put(std::vector<std::uint8_t>& out, T v) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof v);
}
template <class T>
T take(const std::vector<std::uint8_t>& in, std::size_t& at) {
  T v;
  std::memcpy(&v, in.data() + at, sizeof v);
  at += sizeof v;
  return v;
}
}  // namespace detail

/// Thrown for bytes that are no message (the peer that sent them is at fault).
class malformed_message : public error {
 public:
  using error::error;
};

/// magic, kind, element type, reserved, rows, cols, payload length, payload.
inline std::vector<std::uint8_t> encode(const message& m) {
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> payload;
  switch (m.type) {
    case element::number:
      payload.resize(m.numbers.size() * sizeof(double));
      if (!payload.empty()) std::memcpy(payload.data(), m.numbers.data(), payload.size());
      break;
    case element::hash:
      payload.resize(m.hashes.size() * sizeof(key_hash));
      if (!payload.empty()) std::memcpy(payload.data(), m.hashes.data(), payload.size());
      break;
    case element::text:
      for (const auto& t : m.texts) {
        detail::put<std::uint64_t>(payload, t.size());
        payload.insert(payload.end(), t.begin(), t.end());
      }
      break;
    case element::none: break;
  }
  out.reserve(detail::header_bytes + payload.size());
  detail::put<std::uint32_t>(out, detail::message_magic);
  detail::put<std::uint16_t>(out, static_cast<std::uint16_t>(m.kind));
  detail::put<std::uint8_t>(out, static_cast<std::uint8_t>(m.type));
  detail::put<std::uint8_t>(out, 0);
  detail::put<std::uint64_t>(out, m.rows);
  detail::put<std::uint64_t>(out, m.cols);
  detail::put<std::uint64_t>(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

/// Decodes and checks every length; throws malformed_message on anything else.
inline message decode(const std::vector<std::uint8_t>& in) {
  if (in.size() < detail::header_bytes) throw malformed_message("a message shorter than its header");
  std::size_t at = 0;
  if (detail::take<std::uint32_t>(in, at) != detail::message_magic) throw malformed_message("bad magic number");
  message m;
  const auto k = detail::take<std::uint16_t>(in, at);
  if (k >= static_cast<std::uint16_t>(kind::last_kind)) throw malformed_message("unknown message kind");
  m.kind = static_cast<kind>(k);
  const auto t = detail::take<std::uint8_t>(in, at);
  if (t > static_cast<std::uint8_t>(element::text)) throw malformed_message("unknown element type");
  m.type = static_cast<element>(t);
  at += 1;
  m.rows = detail::take<std::uint64_t>(in, at);
  m.cols = detail::take<std::uint64_t>(in, at);
  const auto length = detail::take<std::uint64_t>(in, at);
  if (length != in.size() - at) throw malformed_message("payload length disagrees with the message size");
  const auto cells = m.rows * m.cols;
  if (m.cols != 0 && cells / m.cols != m.rows) throw malformed_message("shape overflows");
  switch (m.type) {
    case element::number:
      if (cells > length / sizeof(double) || cells * sizeof(double) != length)
        throw malformed_message("numbers do not fill the stated shape");
      m.numbers.resize(static_cast<std::size_t>(cells));
      if (length) std::memcpy(m.numbers.data(), in.data() + at, static_cast<std::size_t>(length));
      break;
    case element::hash:
      if (m.cols != 1 || m.rows > length / sizeof(key_hash) || m.rows * sizeof(key_hash) != length)
        throw malformed_message("hashes do not fill the stated shape");
      m.hashes.resize(static_cast<std::size_t>(m.rows));
      if (length) std::memcpy(m.hashes.data(), in.data() + at, static_cast<std::size_t>(length));
      break;
    case element::text:
      if (m.cols != 1 || m.rows > length) throw malformed_message("text does not fit the stated shape");
      for (std::uint64_t r = 0; r < m.rows; ++r) {
        if (in.size() - at < 8) throw malformed_message("text truncated");
        const auto size = detail::take<std::uint64_t>(in, at);
        if (size > in.size() - at) throw malformed_message("text truncated");
        m.texts.emplace_back(reinterpret_cast<const char*>(in.data() + at), static_cast<std::size_t>(size));
        at += static_cast<std::size_t>(size);
      }
      if (at != in.size()) throw malformed_message("bytes after the text");
      break;
    case element::none:
      if (length != 0 || cells != 0) throw malformed_message("an empty message with a payload");
      break;
  }
  return m;
}

}  // namespace amalur::silos
