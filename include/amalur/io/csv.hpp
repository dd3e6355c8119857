#pragma once
// CSV reading (target amalur::io): RFC 4180 fields (quotes, doubled quotes,
// commas and newlines inside quotes), LF or CRLF records, a UTF-8 byte-order
// mark skipped, blank lines skipped, a header row whose names must be unique.
// Columns are typed by what every non-empty field parses as: integer (int64,
// exact, so keys never lose digits), real (finite decimal; no hex, no
// infinities, no overflow), else text. Only an empty field is missing; "NA"
// is text. Errors name the table, the file, the 1-based line and the column.
//
// Our own reader rather than libcsv (which copies every field), built to run
// near memory speed: one pass over the bytes, which are never modified or
// copied (a field with doubled quotes, the rare case, is unescaped into a
// side store). Each field goes straight into its column: a column is typed
// speculatively (integer, until a field says real, until one says text), and
// only the rows before a demotion are parsed again, in one extra pass at the
// end when any needs it. Text columns are dictionary-encoded through an
// open-addressing table of views into the buffer.

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "amalur/execution/parallel.hpp"
#include "amalur/io/files.hpp"
#include "amalur/io/table.hpp"

// The per-field path is inlined into the row loop (a call per field costs
// a fifth of the load); the rare paths stay out of it.
#if defined(__GNUC__)
#define AMALUR_CSV_HOT inline __attribute__((always_inline))
#define AMALUR_CSV_COLD __attribute__((noinline))
#else
#define AMALUR_CSV_HOT inline
#define AMALUR_CSV_COLD
#endif

namespace amalur::io {

namespace detail {

/// Offset of the first byte that is not valid UTF-8, or npos.
inline std::size_t invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return i;
    if (n == 2 && c < 0xc2) return i;  // overlong
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return i;
    if (n == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0)) return i;  // overlong, surrogate
    }
    if (n == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xf0 && c1 < 0x90) || c > 0xf4 || (c == 0xf4 && c1 >= 0x90)) return i;
    }
    i += n;
  }
  return std::string_view::npos;
}

}  // namespace detail

/// A field's text as an integer (int64, the whole field), if it is one:
/// an optional '+', then what std::from_chars reads ('-', digits).
inline bool parse_integer(std::string_view s, std::int64_t& v) {
  if (s.empty()) return false;
  const char* first = s.data() + (s[0] == '+' && s.size() > 1 ? 1 : 0);
  const char* const last = s.data() + s.size();
  const bool negative = *first == '-';
  const char* digits = first + (negative ? 1 : 0);
  if (digits < last && last - digits <= 18) {  // up to 18 digits cannot overflow: no checks per digit
    std::uint64_t u = 0;
    for (const char* q = digits; q < last; ++q) {
      const auto d = static_cast<unsigned>(*q - '0');
      if (d > 9) return false;
      u = 10 * u + d;
    }
    v = negative ? -static_cast<std::int64_t>(u) : static_cast<std::int64_t>(u);
    return true;
  }
  const auto [p, ec] = std::from_chars(first, last, v);
  return ec == std::errc() && p == last;
}

/// A field's text as a finite decimal number (the whole field), if it is one:
/// digits, sign, point and exponent only, so hex, "inf", "nan" and "1,500"
/// are not numbers, and neither is an overflow such as 1e400.
inline bool parse_real(std::string_view s, double& v) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) return false;
  const char* first = s.data() + (s[0] == '+' && s.size() > 1 ? 1 : 0);
  const auto [p, ec] = std::from_chars(first, s.data() + s.size(), v, std::chars_format::general);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(v);
}

namespace detail {

/// parse_integer for a field of 1 to 8 bytes with 8 bytes readable at `p`
/// (the common case: short keys and counts), without a branch per digit:
/// the digits are checked and combined as one word. Only an optional '-'
/// and digits are read here; false sends any other field to parse_integer.
inline bool parse_short_integer(const char* p, std::size_t n, std::int64_t& v) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  const bool negative = (w & 0xff) == '-';
  const std::size_t digits = n - (negative ? 1 : 0);
  if (digits == 0) return false;
  w >>= negative ? 8 : 0;
  w <<= 8 * (8 - digits);  // the digits in the top bytes (little-endian: the last digit highest)
  w |= digits == 8 ? 0 : 0x3030303030303030ull >> (8 * digits);  // leading '0's below them
  if (((w + 0x4646464646464646ull) | (w - 0x3030303030303030ull)) & 0x8080808080808080ull) return false;
  w -= 0x3030303030303030ull;
  w = w * 10 + (w >> 8);  // pairs of digits
  w = (((w & 0x000000ff000000ffull) * (100 + (1000000ull << 32))) +
       (((w >> 16) & 0x000000ff000000ffull) * (1 + (10000ull << 32)))) >> 32;
  v = negative ? -static_cast<std::int64_t>(w) : static_cast<std::int64_t>(w);
  return true;
}

/// 64-bit hash of short byte strings (a multiply-xorshift per 8-byte word;
/// the tail read as two overlapping loads, never past the end).
inline std::uint64_t hash_bytes(const char* p, std::size_t n) {
  constexpr std::uint64_t k1 = 0x9e3779b97f4a7c15ull, k2 = 0xbf58476d1ce4e5b9ull;
  auto load = [](const char* q, std::size_t bytes) {
    std::uint64_t w = 0;
    std::memcpy(&w, q, bytes);
    return w;
  };
  auto mix = [](std::uint64_t h) { return (h ^ (h >> 31)) * k2; };
  std::uint64_t h = (n + 1) * k1;
  for (; n >= 8; n -= 8, p += 8) h = mix((h ^ load(p, 8)) * k1);
  std::uint64_t w = 0;
  if (n >= 4)
    w = load(p, 4) << 32 | load(p + n - 4, 4);
  else if (n > 0)
    w = std::uint64_t(static_cast<unsigned char>(p[0])) << 16 | std::uint64_t(static_cast<unsigned char>(p[n >> 1])) << 8 |
        static_cast<unsigned char>(p[n - 1]);
  h = mix((h ^ w) * k1);
  return h ^ (h >> 29);
}

/// Whether two strings of `n` bytes are equal: overlapping word loads for
/// short keys (most levels), so no call to memcmp.
inline bool equal_bytes(const char* a, const char* b, std::size_t n) {
  auto load8 = [](const char* q) {
    std::uint64_t w;
    std::memcpy(&w, q, 8);
    return w;
  };
  auto load4 = [](const char* q) {
    std::uint32_t w;
    std::memcpy(&w, q, 4);
    return w;
  };
  if (n >= 8) {
    for (; n > 8; n -= 8, a += 8, b += 8)
      if (load8(a) != load8(b)) return false;
    return load8(a + n - 8) == load8(b + n - 8);
  }
  if (n >= 4) return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
  for (std::size_t k = 0; k < n; ++k)
    if (a[k] != b[k]) return false;
  return true;
}
inline bool equal_bytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && equal_bytes(a.data(), b.data(), a.size());
}

/// Distinct strings to dense codes, first seen first: an open-addressing
/// table (power-of-two size, linear probes, at most a third full). A slot
/// holds a key of up to 8 bytes itself (most levels: codes, states,
/// airports), so a lookup reads no other memory; a longer key's slot holds
/// its hash, and the bytes are compared with the level (a view the caller
/// keeps alive).
class text_dictionary {
 public:
  /// The code of `s`, a new one when unseen.
  AMALUR_CSV_HOT std::int32_t intern(std::string_view s) {
    const std::size_t n = s.size();
    if (n <= 8) {  // a short key at its first slot (airport codes): inline, no loop (one thread, flights: -3%)
      const std::uint64_t word = pack(s.data(), n);
      const std::size_t i = slot_of(word, n);
      const slot& e = slots_[i];
      if (e.word == word && e.size == n && e.code >= 0) return e.code;
      return probe(i, s, word);
    }
    const std::uint64_t word = hash_bytes(s.data(), n);
    return probe(slot_of(word, n), s, word);
  }
  const std::vector<std::string_view>& levels() const { return levels_; }

 private:
  /// The code of `s` (packed or hashed as `word`), probing from slot `first`; a new one when unseen.
  AMALUR_CSV_COLD std::int32_t probe(std::size_t first, std::string_view s, std::uint64_t word) {
    const std::size_t n = s.size();
    for (std::size_t i = first;; i = (i + 1) & mask_) {
      const slot& e = slots_[i];
      if (e.code < 0) return insert(i, s, word);
      if (e.word == word && e.size == n && (n <= 8 || equal_bytes(levels_[static_cast<std::size_t>(e.code)], s)))
        return e.code;
    }
  }
  struct slot {
    std::uint64_t word = 0;  // the key's bytes (up to 8), else its hash
    std::uint32_t size = 0;
    std::int32_t code = -1;  // -1: empty
  };
  /// Up to 8 bytes as one word; with the size, a different word per key.
  static std::uint64_t pack(const char* p, std::size_t n) {
    auto load4 = [](const char* q) {
      std::uint32_t w;
      std::memcpy(&w, q, 4);
      return std::uint64_t(w);
    };
    if (n >= 4) return load4(p) | load4(p + n - 4) << 32;
    if (n == 0) return 0;
    return std::uint64_t(static_cast<unsigned char>(p[0])) | std::uint64_t(static_cast<unsigned char>(p[n >> 1])) << 8 |
           std::uint64_t(static_cast<unsigned char>(p[n - 1])) << 16;
  }
  std::size_t slot_of(std::uint64_t word, std::size_t n) const {
    // A short key's packed bytes are spread by one multiply (Fibonacci
    // hashing: the top bits depend on every byte); a long key's word is a hash already.
    const std::uint64_t h = n <= 8 ? (word + n) * 0x9e3779b97f4a7c15ull : word;
    return static_cast<std::size_t>(h >> shift_);  // the top bits
  }
  std::int32_t insert(std::size_t i, std::string_view s, std::uint64_t word) {
    const auto code = static_cast<std::int32_t>(levels_.size());
    levels_.push_back(s);
    slots_[i] = {word, static_cast<std::uint32_t>(s.size()), code};
    if (3 * levels_.size() > slots_.size()) grow();
    return code;
  }
  void grow() {
    std::vector<slot> old(2 * slots_.size());
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    --shift_;
    for (const slot& e : old)
      if (e.code >= 0) {
        std::size_t i = slot_of(e.word, e.size);
        while (slots_[i].code >= 0) i = (i + 1) & mask_;
        slots_[i] = e;
      }
  }

  std::vector<slot> slots_ = std::vector<slot>(64);
  std::size_t mask_ = 63;
  unsigned shift_ = 64 - 6;
  std::vector<std::string_view> levels_;
};

/// Where the bytes that end or mark an unquoted field are (',', '\n',
/// '\r', and bytes >= 0x80, which call for the UTF-8 check): a bitmap of 64
/// bytes at a time, so finding a field's end is a shift and a bit count
/// instead of a byte loop (SSE2 where there is one, else 8-byte words).
struct special_bytes {
  special_bytes(const char* text, std::size_t size) : p(text), end(size), base(size + 64) {}

  const char* p;
  std::size_t end;
  std::size_t base;        // the block's first byte (past the end: none loaded yet)
  std::uint64_t bits = 0;  // bit i: byte base + i is special (or the end)

  /// The first special byte at or after `at`, or `end`.
  std::size_t next(std::size_t at) {
    for (;;) {
      if (at - base >= 64) load(at);  // also when at < base (unsigned)
      const std::uint64_t m = bits >> (at - base);
      if (m) return at + static_cast<std::size_t>(__builtin_ctzll(m));
      at = base + 64;
    }
  }

 private:
  void load(std::size_t at) {
    base = at;
    const std::size_t n = std::min<std::size_t>(64, end - at);
    // The text comes from the page cache, not from the CPU's caches: ask for
    // the bytes 16 blocks ahead (the flights file, one thread: 87-92 -> 77-85 ms).
    if (end - at > 1024) __builtin_prefetch(p + at + 1024);
    if (n == 64) {
      bits = mask(p + at);
      return;
    }
    char tail[64] = {};  // the last bytes, padded; the end is marked special
    std::memcpy(tail, p + at, n);
    bits = (mask(tail) & ((std::uint64_t(1) << n) - 1)) | std::uint64_t(1) << n;
  }
  static std::uint64_t mask(const char* q) {
    std::uint64_t m = 0;
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    for (int k = 0; k < 4; ++k) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16 * k));
      const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, lf)), _mm_cmpeq_epi8(v, cr));
      const auto bits16 = static_cast<unsigned>(_mm_movemask_epi8(hit) | _mm_movemask_epi8(v));  // v: bytes >= 0x80
      m |= std::uint64_t(bits16) << (16 * k);
    }
#else
    constexpr std::uint64_t ones = 0x0101010101010101ull, low7 = 0x7f7f7f7f7f7f7f7full, highs = ~low7;
    auto zero_bytes = [](std::uint64_t x) { return ~(((x & low7) + low7) | x) & highs; };  // exact, per byte
    for (int k = 0; k < 8; ++k) {
      std::uint64_t w;
      std::memcpy(&w, q + 8 * k, 8);
      const std::uint64_t hits =
          zero_bytes(w ^ (ones * ',')) | zero_bytes(w ^ (ones * '\n')) | zero_bytes(w ^ (ones * '\r')) | (w & highs);
      m |= ((hits >> 7) * 0x0102040810204080ull >> 56) << (8 * k);  // one bit per byte
    }
#endif
    return m;
  }
};

/// Splits CSV text into records of fields (views into the text, or into a
/// side store for fields with doubled quotes), counting lines and checking
/// quotes; the caller checks and keeps the fields.
class csv_splitter {
 public:
  csv_splitter(std::string_view text, std::string where) : p_(text.data()), end_(text.size()), where_(std::move(where)) {
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) at_ = 3;  // a UTF-8 byte-order mark
  }
  /// From byte `at` of the text (a line start after the header), counting lines from 1 there.
  csv_splitter(std::string_view text, std::string where, std::size_t at)
      : p_(text.data()), at_(at), end_(text.size()), where_(std::move(where)) {}

  template <class... Parts>
  [[noreturn]] void fail_at(std::int64_t line, const Parts&... parts) const {
    amalur::detail::fail<value_error>(where_, " line ", line, ": ", parts...);
  }

  /// The next record (blank lines included: see blank()); false at the end.
  /// The scan works on locals: stores through `char` could alias the members.
  bool next() {
    if (at_ >= end_) return false;
    const char* const p = p_;
    const std::size_t end = end_;
    std::size_t at = at_, count = 0;
    special_bytes specials = specials_;
    bool blank = true, high = false;
    record_line_ = line_;
    for (;;) {  // one field
      std::string_view field;
      if (at < end && p[at] == '"') {
        at_ = at;
        field = quoted(high);
        at = at_;
        blank = false;
      } else {
        const std::size_t begin = at;
        at = unquoted(p, at, end, specials, high);
        field = std::string_view(p + begin, at - begin);
        if (at > begin) blank = false;
      }
      if (count == record_.size()) record_.resize(2 * count + 8);
      record_[count++] = field;
      if (at < end && p[at] == ',') {
        ++at;
        blank = false;
        continue;
      }
      if (at < end && p[at] == '\r') ++at;
      if (at < end && p[at] == '\n') ++at;
      break;
    }
    at_ = at;
    specials_ = specials;
    ++line_;
    fields_ = count;
    blank_ = blank;
    high_ = high;
    return true;
  }

  /// The fields of the record.
  struct fields {
    const std::string_view* data;
    std::size_t count;
    std::size_t size() const { return count; }
    std::string_view operator[](std::size_t k) const { return data[k]; }
    const std::string_view* begin() const { return data; }
    const std::string_view* end() const { return data + count; }
  };
  fields record() const { return {record_.data(), fields_}; }
  const std::string& where() const { return where_; }
  std::int64_t record_line() const { return record_line_; }
  /// One empty unquoted field and no comma: an empty line, which is skipped.
  bool blank() const { return blank_; }
  /// Whether the record has a byte >= 0x80 (only such records need the UTF-8 check).
  bool high() const { return high_; }
  /// Where the next record starts, and its line: to come back there.
  std::size_t position() const { return at_; }
  std::size_t end() const { return end_; }
  std::int64_t line() const { return line_; }
  void rewind(std::size_t at, std::int64_t line) {
    at_ = at;
    line_ = line;
  }

 private:
  /// The end of the unquoted field at `at`: a ',', a '\n', a '\r' before
  /// '\n' or the end (a lone '\r' is text), or the end.
  static std::size_t unquoted(const char* p, std::size_t at, std::size_t end, special_bytes& specials, bool& high) {
    for (;; ++at) {
      at = specials.next(at);
      if (at >= end) return end;
      const auto c = static_cast<unsigned char>(p[at]);
      if (c >= 0x80)
        high = true;
      else if (c != '\r' || at + 1 == end || p[at + 1] == '\n')
        return at;
    }
  }
  /// A quoted field from its opening quote: a view between the quotes, or
  /// the unescaped text in the side store when it has doubled quotes.
  std::string_view quoted(bool& high) {
    const std::int64_t opened = line_;
    const std::size_t begin = ++at_;
    auto next_quote = [&]() {
      const void* q = std::memchr(p_ + at_, '"', end_ - at_);
      if (!q) fail_at(opened, "a quoted field opened here is never closed");
      return static_cast<std::size_t>(static_cast<const char*>(q) - p_);
    };
    std::size_t close = next_quote();
    std::string_view field(p_ + begin, close - begin);
    if (close + 1 < end_ && p_[close + 1] == '"') {  // doubled quotes: unescape
      std::string& s = unescaped_.emplace_back(field);
      for (;;) {
        at_ = close + 1;
        if (at_ < end_ && p_[at_] == '"') {
          s += '"';
          ++at_;
          close = next_quote();
          s.append(p_ + at_, close - at_);
          continue;
        }
        break;
      }
      field = s;
    }
    at_ = close + 1;
    for (std::size_t k = begin; k < close; ++k) {  // lines inside the quotes; bytes for the UTF-8 check
      const auto c = static_cast<unsigned char>(p_[k]);
      line_ += c == '\n';
      high = high || c >= 0x80;
    }
    if (at_ < end_ && p_[at_] != ',' && p_[at_] != '\n' && p_[at_] != '\r')
      fail_at(line_, "text after the closing quote of a field");
    return field;
  }

  const char* p_;
  std::size_t at_ = 0, end_;
  std::string where_;
  std::int64_t line_ = 1, record_line_ = 1;
  special_bytes specials_{p_, end_};
  std::vector<std::string_view> record_;  // the fields, [0, fields_)
  std::size_t fields_ = 0;
  bool blank_ = true, high_ = false;
  std::deque<std::string> unescaped_;  // stable: views into it live until the table is built
};

/// One column while reading: typed speculatively. It starts as integer; a
/// field that is not one demotes it to real (or text), a field that is not
/// real demotes it to text. Rows read before a demotion keep their old form
/// until `redo` rows are read again (integers become reals in place unless a
/// "-0" needs its sign).
struct column_builder {
  column_kind kind = column_kind::integer;
  std::size_t redo = 0;  // rows [0, redo) must be read again in the final kind
  bool negative_zero = false;
  std::vector<std::int64_t> integers;
  std::vector<double> values;
  std::vector<std::int32_t> codes;
  std::vector<char> missing;  // empty until the first missing field: most columns have none
  std::size_t rows = 0, expected_rows = 0;
  text_dictionary dictionary;  // text from row `redo` on
  std::string_view last;        // the last text field and its code: sorted or
  std::int32_t last_code = -1;  // repeated values (dates) skip the lookup
  /// The text being read: a field with 8 bytes readable from its start
  /// inside it is parsed by parse_short_integer.
  std::uintptr_t readable_begin = 0, readable_end = 0;

  void reserve(std::size_t rows) {
    expected_rows = rows;
    if (kind != column_kind::text) values.reserve(rows);
    if (kind == column_kind::text) codes.reserve(rows);
  }

  /// An integer: as a double while every value is exact as one (|v| <= 2^53),
  /// and in `integers` too from the first that is not.
  void add_integer(std::int64_t v) {
    values.push_back(static_cast<double>(v));
    if (!integers.empty() || !column::exact_as_double(v)) {
      if (integers.empty())
        for (std::size_t r = 0; r + 1 < values.size(); ++r) integers.push_back(static_cast<std::int64_t>(values[r]));
      integers.push_back(v);
    }
  }

  /// Records whether the next row's field is missing, from the first missing one on.
  AMALUR_CSV_COLD void mark_missing(bool is_missing) {
    if (missing.empty()) {
      missing.reserve(std::max(expected_rows, rows + 1));
      missing.assign(rows, 0);
    }
    missing.push_back(is_missing);
  }

  /// Adds the next row's field; the common case (it fits the kind) inline.
  AMALUR_CSV_HOT void add(std::string_view f) {
    if (f.empty() || !missing.empty()) mark_missing(f.empty());
    ++rows;
    switch (kind) {
      case column_kind::integer: {
        std::int64_t v = 0;
        const auto at = reinterpret_cast<std::uintptr_t>(f.data());
        if (f.size() - 1 < 8 && at >= readable_begin && at + 8 <= readable_end && parse_short_integer(f.data(), f.size(), v)) {
          negative_zero = negative_zero || (v == 0 && f[0] == '-');
          add_integer(v);
          return;
        }
        if (f.empty() || parse_integer(f, v)) {
          if (v == 0 && f.find('-') != std::string_view::npos) negative_zero = true;
          add_integer(v);
          return;
        }
        break;
      }
      case column_kind::real: {
        double d = 0;
        if (f.empty() || parse_real(f, d)) {
          values.push_back(d);
          return;
        }
        break;
      }
      case column_kind::text:
        if (f.empty()) {
          codes.push_back(-1);
        } else {
          if (!equal_bytes(f, last)) {  // sorted or repeated values skip the lookup
            last = f;
            last_code = dictionary.intern(f);
          }
          codes.push_back(last_code);
        }
        return;
    }
    demote(f);
  }

  /// `f` does not fit the kind: real (if it is a number) or text from this row on.
  AMALUR_CSV_COLD void demote(std::string_view f) {
    const std::size_t row = rows - 1;
    double d = 0;
    if (kind == column_kind::integer) {
      to_real(row);
      if (parse_real(f, d)) {
        values.push_back(d);
        return;
      }
    }
    to_text(row);
    last = f;
    last_code = dictionary.intern(f);
    codes.push_back(last_code);
  }

  void to_real(std::size_t row) {
    kind = column_kind::real;
    if (negative_zero)
      redo = row;  // "-0" reads as -0.0, its integer as 0
    // `values` holds the integers as doubles already (int64 -> double rounds as from_chars does).
    std::vector<std::int64_t>().swap(integers);
  }
  void to_text(std::size_t row) {
    kind = column_kind::text;
    redo = row;
    codes.assign(row, -1);
    std::vector<double>().swap(values);
    std::vector<std::int64_t>().swap(integers);
  }

  /// Reads row `row` (before `redo`) again from its field `f`.
  void reread(std::size_t row, std::string_view f, text_dictionary& prefix) {
    if (kind == column_kind::real) {
      values[row] = 0;
      if (!f.empty()) parse_real(f, values[row]);
    } else {
      codes[row] = f.empty() ? -1 : prefix.intern(f);
    }
  }

  /// The finished column; `prefix` holds the levels of rows before `redo`
  /// for a text column, in order (the later levels follow them).
  column finish(std::string name, const text_dictionary& prefix) {
    column c;
    c.name = std::move(name);
    c.kind = kind;
    if (missing.empty()) missing.assign(rows, 0);
    c.missing = std::move(missing);
    if (kind == column_kind::integer) {
      c.values = std::move(values);
      c.integers = std::move(integers);  // empty unless some value is beyond 2^53
    } else if (kind == column_kind::real) {
      c.values = std::move(values);
    } else {
      text_dictionary merged = prefix;  // levels first seen before `redo`, then the others
      std::vector<std::int32_t> remap;
      remap.reserve(dictionary.levels().size());
      for (std::string_view level : dictionary.levels()) remap.push_back(redo ? merged.intern(level) : static_cast<std::int32_t>(remap.size()));
      for (std::size_t r = redo; r < codes.size(); ++r)
        if (codes[r] >= 0) codes[r] = remap[static_cast<std::size_t>(codes[r])];
      const auto& levels = redo ? merged.levels() : dictionary.levels();
      c.levels.assign(levels.begin(), levels.end());
      c.codes = std::move(codes);
    }
    return c;
  }
};

/// Records whose fields fail a check: the UTF-8 of each field, then (after
/// the header) the field count; blank lines skipped.
class record_reader {
 public:
  record_reader(csv_splitter& split, const std::vector<std::string>& header) : split_(split), header_(header) {}
  /// The next non-blank record, checked; false at the end.
  bool next() {
    while (split_.next()) {
      if (split_.blank()) continue;
      const auto record = split_.record();
      if (split_.high())
        for (std::size_t k = 0; k < record.size(); ++k) check_utf8(record[k], k);
      if (!header_.empty() && record.size() != header_.size())
        split_.fail_at(split_.record_line(), "a record has ", record.size(), " fields but the header has ",
                       header_.size(), record.size() > header_.size() ? " (more fields than columns)" : "");
      return true;
    }
    return false;
  }

 private:
  void check_utf8(std::string_view field, std::size_t column) const {
    const std::size_t bad = invalid_utf8(field);
    if (bad == std::string_view::npos) return;
    const auto byte = static_cast<unsigned char>(field[bad]);
    split_.fail_at(split_.record_line(), "column ",
                   column < header_.size() ? "'" + header_[column] + "'" : std::to_string(column + 1), ": byte 0x",
                   "0123456789abcdef"[byte >> 4], "0123456789abcdef"[byte & 0xf], " is not UTF-8; save the file as UTF-8");
  }
  csv_splitter& split_;
  const std::vector<std::string>& header_;
};

/// The records from the splitter's position to its end as a table's
/// columns, rows and lines. `least` (one per column, or empty) is the kind
/// each column starts from; `text` bounds the bytes the integer parse may
/// read; `lines_read`, when given, receives the physical lines read;
/// `reserve_bytes` (0: the records' own) is the text the columns reserve
/// rows for, so the first of several pieces can take the others' rows.
inline table read_records(csv_splitter& split, const std::vector<std::string>& header, std::string_view text,
                          const std::vector<column_kind>& least, std::int64_t* lines_read = nullptr,
                          std::size_t reserve_bytes = 0) {
  table t;
  record_reader records(split, header);
  const std::size_t data_at = split.position();
  const std::int64_t data_line = split.line();
  std::vector<column_builder> columns(header.size());
  for (std::size_t k = 0; k < columns.size(); ++k) {
    columns[k].readable_begin = reinterpret_cast<std::uintptr_t>(text.data());
    columns[k].readable_end = columns[k].readable_begin + text.size();
    if (!least.empty()) columns[k].kind = least[k];
  }
  constexpr std::size_t sample = 256;  // rows read before reserving for the rest
  std::size_t rows = 0;
  while (records.next()) {
    const auto record = split.record();
    for (std::size_t k = 0; k < record.size(); ++k) columns[k].add(record[k]);
    const std::int64_t line = split.record_line();
    if (rows == 0) t.first_line = line;
    if (t.lines.empty() && line != t.first_line + static_cast<std::int64_t>(rows)) {
      for (std::size_t r = 0; r < rows; ++r) t.lines.push_back(t.first_line + static_cast<std::int64_t>(r));
    }
    if (!t.lines.empty()) t.lines.push_back(line);
    if (++rows == sample && split.position() > data_at) {
      const double per_row = static_cast<double>(split.position() - data_at) / sample;
      const std::size_t bytes = reserve_bytes > 0 ? reserve_bytes : split.end() - data_at;
      const auto expected = static_cast<std::size_t>(static_cast<double>(bytes) / per_row * 1.05) + sample;
      for (auto& c : columns) c.reserve(expected);
    }
  }
  t.rows = static_cast<index_t>(rows);
  if (lines_read) *lines_read = split.line() - data_line;

  // Rows read before a column's demotion, read again in its final kind.
  std::size_t redo = 0;
  for (const auto& c : columns) redo = std::max(redo, c.redo);
  std::vector<text_dictionary> prefix(columns.size());
  if (redo > 0) {
    split.rewind(data_at, data_line);
    for (std::size_t r = 0; r < redo && records.next();) {
      const auto record = split.record();
      for (std::size_t k = 0; k < record.size(); ++k)
        if (r < columns[k].redo) columns[k].reread(r, record[k], prefix[k]);
      ++r;
    }
  }
  for (std::size_t k = 0; k < columns.size(); ++k) {
    t.columns.push_back(columns[k].finish(header[k], prefix[k]));
    columns[k] = column_builder();  // its memory, before the next column's copy
  }
  return t;
}

/// Where the records after the header may be cut into pieces read in
/// parallel: at line starts, each piece at least `least_bytes`. One piece
/// when the text has a quote: a record then may span lines, and only a
/// read from the start knows where records begin.
inline std::vector<std::size_t> piece_starts(std::string_view text, std::size_t data_at, int threads,
                                             std::size_t least_bytes) {
  std::vector<std::size_t> starts{data_at};
  const std::size_t bytes = text.size() - data_at;
  // One piece per thread: the first piece's columns become the table's, so only the others are copied.
  const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), bytes / std::max<std::size_t>(least_bytes, 1));
  if (count <= 1 || std::memchr(text.data() + data_at, '"', bytes)) return starts;
  for (std::size_t k = 1; k < count; ++k) {
    const std::size_t cut = std::max(starts.back(), data_at + bytes / count * k);
    const void* lf = std::memchr(text.data() + cut, '\n', text.size() - cut);
    if (!lf) break;
    const auto next = static_cast<std::size_t>(static_cast<const char*>(lf) - text.data()) + 1;
    if (next < text.size() && next > starts.back()) starts.push_back(next);
  }
  return starts;
}

/// Appends `from`'s rows of one column to `into` (of the same kind), and
/// frees them; `from`'s levels stay, as `levels` holds views into them.
inline void append_column(column& into, column& from, text_dictionary& levels) {
  into.missing.insert(into.missing.end(), from.missing.begin(), from.missing.end());
  std::vector<char>().swap(from.missing);
  if (into.kind == column_kind::text) {
    std::vector<std::int32_t> remap(from.levels.size());
    for (std::size_t l = 0; l < from.levels.size(); ++l) {
      const std::size_t known = levels.levels().size();
      remap[l] = levels.intern(from.levels[l]);
      if (levels.levels().size() > known) into.levels.push_back(from.levels[l]);
    }
    into.codes.reserve(into.codes.size() + from.codes.size());
    for (const std::int32_t c : from.codes) into.codes.push_back(c < 0 ? c : remap[static_cast<std::size_t>(c)]);
    std::vector<std::int32_t>().swap(from.codes);
    return;
  }
  const bool exact_before = into.integers.empty(), exact_after = from.integers.empty();
  if (into.kind == column_kind::integer && exact_before != exact_after) {  // int64 for every row from now on
    column& widen = exact_before ? into : from;
    widen.integers.reserve(widen.values.size());
    for (const double v : widen.values) widen.integers.push_back(static_cast<std::int64_t>(v));  // exact: |v| <= 2^53
  }
  into.values.insert(into.values.end(), from.values.begin(), from.values.end());
  into.integers.insert(into.integers.end(), from.integers.begin(), from.integers.end());
  std::vector<double>().swap(from.values);
  std::vector<std::int64_t>().swap(from.integers);
}

/// The pieces' tables as one, in piece order, each column of its kind in
/// `kinds`: the same table one read of the whole text gives. Piece k's
/// lines are counted from its start, `lines_before[k]` lines into the text.
inline table join_pieces(std::vector<table>& pieces, const std::vector<std::int64_t>& lines_before,
                         const std::vector<column_kind>& kinds, int threads) {
  table t;
  t.columns.resize(pieces.front().columns.size());
  bool one_line_each = true;
  std::int64_t next_line = 0;
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    table& p = pieces[k];
    if (p.rows == 0) continue;
    const std::int64_t shift = lines_before[k];
    const std::int64_t first = p.first_line + shift;
    if (t.rows == 0) t.first_line = first;
    if (one_line_each && (!p.lines.empty() || (t.rows > 0 && first != next_line))) {
      one_line_each = false;
      for (index_t r = 0; r < t.rows; ++r) t.lines.push_back(t.first_line + r);
    }
    if (!one_line_each)
      for (index_t r = 0; r < p.rows; ++r) t.lines.push_back(p.line_of(r) + shift);
    next_line = first + p.rows;
    t.rows += p.rows;
  }
  // Columns in parallel: the first piece's column, which reserved room for
  // every row, takes the others' rows in order (its own are not copied).
  parallel_tasks(static_cast<index_t>(t.columns.size()), threads, [&](index_t k) {
    const auto j = static_cast<std::size_t>(k);
    column& c = t.columns[j];
    std::size_t level_bound = 0;
    for (const auto& p : pieces) level_bound += p.columns[j].levels.size();
    const std::string name = pieces.front().columns[j].name;
    if (pieces.front().rows > 0) c = std::move(pieces.front().columns[j]);
    c.name = name;
    c.kind = kinds[j];
    const auto rows = static_cast<std::size_t>(t.rows);
    c.missing.reserve(rows);
    if (c.kind == column_kind::text) c.codes.reserve(rows);
    else c.values.reserve(rows);
    c.levels.reserve(level_bound);  // no reallocation: `levels` keeps views into these strings
    text_dictionary levels;
    for (const std::string& level : c.levels) levels.intern(level);
    for (std::size_t p = 1; p < pieces.size(); ++p)
      if (pieces[p].rows > 0) append_column(c, pieces[p].columns[j], levels);
  });
  return t;
}

}  // namespace detail

/// Parses CSV text (with a header row) into a table; `file` names the
/// source in messages (the table's name when empty). The text only needs to
/// live during the call. Large text without quotes is read in pieces on
/// `threads` threads (0: amalur::default_threads()); the table is the same
/// for every thread count: levels in first-seen order, kinds from all rows.
inline table parse_csv_view(std::string_view text, const std::string& name = "table", const std::string& file = "",
                            int threads = 0, std::size_t least_piece_bytes = std::size_t(4) << 20) {
  const std::string where = "table '" + name + "'" + (file.empty() ? std::string() : " (" + file + ")");
  detail::csv_splitter split(text, where);
  std::vector<std::string> header;
  {
    detail::record_reader records(split, header);
    if (!records.next()) amalur::detail::fail<value_error>(where, " is empty: no header row");
    std::unordered_set<std::string_view> seen;
    for (std::string_view h : split.record()) {
      if (!seen.insert(h).second)
        split.fail_at(split.record_line(), "the header names column '", std::string(h), "' twice");
      header.emplace_back(h);
    }
  }
  const auto finish = [&](table t) {
    t.name = name;
    t.source = file;
    return t;
  };
  const int workers = threads > 0 ? threads : default_threads();
  const std::vector<std::size_t> starts = detail::piece_starts(text, split.position(), workers, least_piece_bytes);
  if (starts.size() == 1) return finish(detail::read_records(split, header, text, {}));

  // Each piece is read from its own line 1; its physical lines then place it.
  const std::size_t count = starts.size();
  std::vector<table> pieces(count);
  std::vector<std::int64_t> lines(count + 1, 0);
  std::vector<std::exception_ptr> errors(count);
  const auto read_piece = [&](std::size_t k, const std::vector<column_kind>& least) {
    const std::size_t end = k + 1 < count ? starts[k + 1] : text.size();
    detail::csv_splitter piece(text.substr(0, end), where, starts[k]);
    pieces[k] = detail::read_records(piece, header, text, least, &lines[k + 1], k == 0 ? text.size() - starts[0] : 0);
  };
  parallel_tasks(static_cast<index_t>(count), workers, [&](index_t k) {
    try {
      read_piece(static_cast<std::size_t>(k), {});
    } catch (...) {
      errors[static_cast<std::size_t>(k)] = std::current_exception();
    }
  });
  // A bad record: the whole text read once gives the error, at its line.
  for (const auto& e : errors)
    if (e) return finish(detail::read_records(split, header, text, {}));
  // A column's kind is the highest any piece found; pieces read lower are read again from it.
  std::vector<column_kind> kinds(header.size(), column_kind::integer);
  for (const table& p : pieces)
    if (p.rows > 0)
      for (std::size_t j = 0; j < kinds.size(); ++j) kinds[j] = std::max(kinds[j], p.columns[j].kind);
  std::vector<index_t> again;
  for (std::size_t k = 0; k < count; ++k)
    for (std::size_t j = 0; j < kinds.size(); ++j)
      if (pieces[k].rows > 0 && pieces[k].columns[j].kind != kinds[j]) {
        again.push_back(static_cast<index_t>(k));
        break;
      }
  parallel_tasks(static_cast<index_t>(again.size()), workers,
                 [&](index_t k) { read_piece(static_cast<std::size_t>(again[static_cast<std::size_t>(k)]), kinds); });
  for (std::size_t k = 1; k <= count; ++k) lines[k] += lines[k - 1];
  for (std::size_t k = 0; k < count; ++k) lines[k] += split.line() - 1;  // the header's lines
  return finish(detail::join_pieces(pieces, lines, kinds, workers));
}

/// Parses CSV text (with a header row) into a table; `file` names the
/// source in messages (the table's name when empty).
inline table parse_csv(const std::string& text, const std::string& name = "table", const std::string& file = "") {
  return parse_csv_view(text, name, file);
}

/// Reads a CSV file into a table named `name` (a file_error names the path
/// and the reason when it cannot be read), on `threads` threads (0: the default).
inline table read_csv(const std::string& path, const std::string& name, int threads = 0) {
  const file_bytes bytes(path, "CSV file for table '" + name + "'");
  return parse_csv_view(bytes.view(), name, path, threads);
}

}  // namespace amalur::io
