#pragma once
// The library's own exceptions. Each message names the object and the
// offending value, so a user can fix the input without a debugger.

#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace amalur {

/// Base of every exception amalur throws.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// Shapes that do not fit (X has the wrong number of rows, sizes disagree).
class dimension_error : public error {
 public:
  using error::error;
};
/// An index outside its range (a source row, a target column, a source id).
class index_error : public error {
 public:
  using error::error;
};
/// A bad value: NaN or infinity in data, a zero divisor, a bad parameter.
class value_error : public error {
 public:
  using error::error;
};
/// Metadata that contradicts itself (a column mapped twice, sources that
/// disagree on the number of target rows, a precedence that is no permutation).
class metadata_error : public error {
 public:
  using error::error;
};

namespace detail {
/// A number as an ostream with default settings writes it (one
/// non-template function for every message).
inline std::string number_text(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

/// One piece of an error message, turned into text where the call is made:
/// messages then share one joining function instead of instantiating an
/// ostream chain per argument list (a large part of every file's compile time).
class message_piece {
 public:
  message_piece(const char* text) : text_(text ? text : "") {}
  message_piece(std::string text) : text_(std::move(text)) {}
  message_piece(std::string_view text) : text_(text) {}
  message_piece(char c) : text_(1, c) {}
  message_piece(bool b) : text_(b ? "1" : "0") {}
  template <class Number, std::enable_if_t<std::is_arithmetic_v<Number>, int> = 0>
  message_piece(Number v) {
    if constexpr (std::is_floating_point_v<Number>)
      text_ = number_text(static_cast<double>(v));
    else if constexpr (std::is_signed_v<Number>)
      text_ = std::to_string(static_cast<long long>(v));
    else
      text_ = std::to_string(static_cast<unsigned long long>(v));
  }
  /// Anything else with an operator<< (an enum's name, an estimate).
  template <class Other, std::enable_if_t<!std::is_arithmetic_v<Other> && !std::is_convertible_v<const Other&, std::string_view>, int> = 0>
  message_piece(const Other& v) {
    std::ostringstream out;
    out << v;
    text_ = out.str();
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

inline std::string joined(std::initializer_list<message_piece> pieces) {
  std::string out;
  for (const auto& p : pieces) out += p.text();
  return out;
}

template <class... Parts>
std::string message(Parts&&... parts) {
  return joined({message_piece(std::forward<Parts>(parts))...});
}

template <class Error, class... Parts>
[[noreturn]] void fail(Parts&&... parts) {
  throw Error(message(std::forward<Parts>(parts)...));
}
}  // namespace detail

}  // namespace amalur
