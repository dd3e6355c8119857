#pragma once
// The library's own exceptions. Each message names the object and the
// offending value, so a user can fix the input without a debugger.

#include <sstream>
#include <stdexcept>
#include <string>
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
template <class... Parts>
std::string message(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}

template <class Error, class... Parts>
[[noreturn]] void fail(Parts&&... parts) {
  throw Error(message(std::forward<Parts>(parts)...));
}
}  // namespace detail

}  // namespace amalur
