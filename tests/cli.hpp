#pragma once
// Running the amalur program from the tests: a scratch directory per test,
// the program's exit status, stdout and stderr, and a skip that CTest
// reports as skipped (SKIP_RETURN_CODE 77), never as passed.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

namespace amalur_test {

namespace fs = std::filesystem;

/// The process's scratch folders, removed when the test program exits (by
/// the process that made them, not a forked child), so a test run leaves
/// nothing in /tmp; AMALUR_KEEP_SCRATCH=1 keeps them to look at a failure.
class scratch_roots {
 public:
  static scratch_roots& instance() {
    static scratch_roots roots;
    return roots;
  }
  void add(const fs::path& root) {
    for (const auto& r : roots_)
      if (r == root) return;
    roots_.push_back(root);
  }
  ~scratch_roots() {
    const char* keep = std::getenv("AMALUR_KEEP_SCRATCH");
    if (::getpid() != owner_ || (keep && std::string(keep) == "1")) return;
    std::error_code ignored;  // a folder already gone is fine
    for (const auto& r : roots_) fs::remove_all(r, ignored);
  }

 private:
  scratch_roots() : owner_(::getpid()) {}
  pid_t owner_;
  std::vector<fs::path> roots_;
};

/// A fresh directory for one test, unique to this process.
inline fs::path scratch(const std::string& group, const std::string& name) {
  const fs::path root = fs::temp_directory_path() / ("amalur-" + group + "-" + std::to_string(::getpid()));
  scratch_roots::instance().add(root);
  const fs::path dir = root / name;
  fs::remove_all(dir);  // empty: a process with a reused pid must not find an earlier run's files
  fs::create_directories(dir);
  return dir;
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct cli_result {
  int status = -1;
  std::string out, err;
  nlohmann::json parsed() const { return nlohmann::json::parse(out); }
};

/// Runs the program with `args` in `dir`, through bash: `shell` comes first
/// (such as "ulimit -f 0;"), `launcher` right before the program (mpirun).
/// A program that hangs fails its test through CTest's TIMEOUT property
/// (tests/CMakeLists.txt); a `timeout` wrapper here would cut mpirun's
/// output forwarding under CTest.
inline cli_result run_cli(const fs::path& dir, const std::string& args, const std::string& launcher = "",
                          const std::string& shell = "") {
  const std::string command = "cd " + dir.string() + " && " + shell + " " + launcher + " " + AMALUR_CLI + " " + args +
                              " < /dev/null > stdout.txt 2> stderr.txt";
  cli_result r;
  r.status = WEXITSTATUS(std::system(("bash -c '" + command + "'").c_str()));
  r.out = slurp(dir / "stdout.txt");
  r.err = slurp(dir / "stderr.txt");
  return r;
}

constexpr int skip_code = 77;

/// Ends this test as skipped: CTest runs each test case in its own process
/// and reports exit code 77 as "Skipped".
[[noreturn]] inline void skip(const std::string& why) {
  std::cout << "SKIPPED: " << why << std::endl;
  std::exit(skip_code);
}

}  // namespace amalur_test
