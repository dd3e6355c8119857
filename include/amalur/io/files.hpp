#pragma once
// Files the program reads and writes (target amalur::io). A file that cannot
// be opened, read or written is a file_error (the program's exit 4), naming
// the path and the reason; content that was read but is wrong stays a
// value_error (exit 2). Outputs are written whole or not at all: into a
// temporary file beside the target, flushed to disk, then renamed over it,
// so a failed run leaves an existing output byte-identical.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "amalur/core/error.hpp"

namespace amalur::io {

/// A file could not be opened, read, written or recognised.
class file_error : public error {
 public:
  using error::error;
};

namespace detail {
[[noreturn]] inline void fail_file(const std::string& what, const std::string& path, const std::string& reason) {
  throw file_error(what + " '" + path + "': " + reason);
}
}  // namespace detail

namespace detail {
/// Opens `path` for reading; a directory or a file that cannot be opened
/// is a file_error naming `what` and the path.
inline int open_for_reading(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail_file("cannot read " + what, path, "it is a directory");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_file("cannot open " + what, path, std::strerror(errno));
  return fd;
}
/// Everything left to read from `fd` (closed here), into a buffer sized
/// from `size_hint` and grown for pipes and files longer than that.
inline std::string read_all(int fd, std::size_t size_hint, const std::string& path, const std::string& what) {
  std::string out(size_hint, '\0');
  std::size_t size = 0;
  for (;;) {
    if (size == out.size()) out.resize(std::max<std::size_t>(2 * out.size(), 1 << 16));
    const ssize_t n = ::read(fd, out.data() + size, out.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int code = errno;
      ::close(fd);
      fail_file("cannot read " + what, path, std::strerror(code));
    }
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(size);
  return out;
}
/// The size of a regular file behind `fd`; 0 for anything else.
inline std::size_t regular_size(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 ? static_cast<std::size_t>(st.st_size) : 0;
}
}  // namespace detail

/// The whole file as bytes; `what` names it in errors ("CSV file", "spec").
/// One sized read for a regular file (no stream copies).
inline std::string read_file(const std::string& path, const std::string& what) {
  const int fd = detail::open_for_reading(path, what);
  return detail::read_all(fd, detail::regular_size(fd), path, what);
}

/// A file's bytes for reading once, as fast as the page cache allows: a
/// regular file is mapped (no copy, no fresh pages to fault in); anything
/// else (a pipe) is read whole. Errors as read_file. The file must not
/// shrink while mapped: the bytes are read within the owner's lifetime.
class file_bytes {
 public:
  file_bytes(const std::string& path, const std::string& what) {
    const int fd = detail::open_for_reading(path, what);
    const std::size_t size = detail::regular_size(fd);
    if (size > 0) {
      void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (map != MAP_FAILED) {
        ::close(fd);
        map_ = map;
        size_ = size;
        return;
      }
    }
    copy_ = detail::read_all(fd, size, path, what);
  }
  file_bytes(const file_bytes&) = delete;
  file_bytes& operator=(const file_bytes&) = delete;
  ~file_bytes() {
    if (map_) ::munmap(map_, size_);
  }
  std::string_view view() const { return map_ ? std::string_view(static_cast<const char*>(map_), size_) : copy_; }

 private:
  void* map_ = nullptr;
  std::size_t size_ = 0;
  std::string copy_;
};

/// Writes `content` to `path` atomically (temporary file, fsync, rename).
inline void write_file_atomically(const std::string& path, const std::string& content, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) detail::fail_file("cannot write " + what, path, "it is a directory");
  const fs::path target(path);
  const fs::path directory = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(directory, ec))
    detail::fail_file("cannot write " + what, path, "the directory '" + directory.string() + "' does not exist");
  std::string temp = (directory / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> name(temp.begin(), temp.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) detail::fail_file("cannot write " + what, path, std::strerror(errno));
  temp = name.data();
  auto fail = [&](int code) {
    ::close(fd);
    ::unlink(temp.c_str());
    detail::fail_file("cannot write " + what, path, std::strerror(code));
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail(errno);
  ::fchmod(fd, 0644);
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    detail::fail_file("cannot write " + what, path, std::strerror(errno));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int code = errno;
    ::unlink(temp.c_str());
    detail::fail_file("cannot write " + what, path, std::strerror(code));
  }
}

/// True when two paths name the same file (or would, once created).
inline bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec1, ec2;
  const auto ca = std::filesystem::weakly_canonical(a, ec1), cb = std::filesystem::weakly_canonical(b, ec2);
  return !ec1 && !ec2 && ca == cb;
}

}  // namespace amalur::io
