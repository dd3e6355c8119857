#pragma once
// The catalog's SQLite file (target amalur::catalog, on SQLiteCpp): opened
// and checked before any data are loaded (quick_check, schema version),
// migrated to this version, in WAL mode so readers never block the writer.
// Every write is one IMMEDIATE transaction: all of it lands or none of it.
// A writer that finds the file busy waits up to the timeout (30 s by
// default), then fails with a catalog_error; so do a damaged, read-only or
// newer-schema file. Nothing already in the file is touched by a failure.

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include "amalur/io/files.hpp"

namespace amalur::catalog {

/// The catalog file cannot be used: busy past the timeout, damaged,
/// read-only, or written by a newer amalur. A file_error, so the program
/// exits 4 as for any file it cannot open.
class catalog_error : public io::file_error {
 public:
  using io::file_error::file_error;
};

enum class access { read, write };

struct open_options {
  access mode = access::write;
  /// How long a writer waits for another process to finish writing.
  double busy_timeout_seconds = 30;
  /// An amalur catalog (schema checked and migrated), or any SQLite file read as a source.
  bool catalog_schema = true;
};

namespace detail {

/// migrations()[k] brings a catalog from schema version k to k + 1.
inline const std::vector<const char*>& migrations() {
  static const std::vector<const char*> steps = {
      // 0 -> 1: sources, integrations, models and runs.
      R"sql(
CREATE TABLE sources (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  location      TEXT NOT NULL,
  silo          TEXT NOT NULL DEFAULT '',
  columns       TEXT NOT NULL,
  row_count     INTEGER,
  fingerprint   TEXT NOT NULL,
  registered_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (name, location, fingerprint));
CREATE TABLE integrations (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  structure     TEXT NOT NULL,
  fingerprint   TEXT NOT NULL,
  statistics    TEXT NOT NULL,
  registered_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (name, fingerprint));
CREATE TABLE integration_sources (
  integration_id INTEGER NOT NULL REFERENCES integrations(id),
  source_id      INTEGER NOT NULL REFERENCES sources(id),
  PRIMARY KEY (integration_id, source_id));
CREATE TABLE models (
  id               INTEGER PRIMARY KEY,
  created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  integration_id   INTEGER REFERENCES integrations(id),
  spec_fingerprint TEXT NOT NULL,
  features         TEXT NOT NULL,
  fingerprint      TEXT NOT NULL,
  model            TEXT NOT NULL);
CREATE TABLE runs (
  id               INTEGER PRIMARY KEY,
  started_at       TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('train', 'predict')),
  integration_id   INTEGER REFERENCES integrations(id),
  model_id         INTEGER REFERENCES models(id),
  hyper_parameters TEXT NOT NULL,
  strategy         TEXT NOT NULL,
  estimates        TEXT NOT NULL,
  seconds          TEXT NOT NULL,
  metrics          TEXT NOT NULL,
  rows             INTEGER NOT NULL,
  threads          INTEGER NOT NULL,
  machine          TEXT NOT NULL,
  machine_profile  TEXT NOT NULL,
  status           TEXT NOT NULL);
CREATE INDEX runs_by_integration ON runs (integration_id);
)sql",
      // 1 -> 2: measured seconds against the cost model's estimates, and the
      // correction each run used.
      R"sql(
ALTER TABLE runs ADD COLUMN correction TEXT;
CREATE TABLE measurements (
  id                INTEGER PRIMARY KEY,
  run_id            INTEGER REFERENCES runs(id),
  machine           TEXT NOT NULL,
  operation         TEXT NOT NULL,
  strategy          TEXT NOT NULL CHECK (strategy IN ('factorized', 'materialized')),
  estimated_seconds REAL NOT NULL CHECK (estimated_seconds > 0),
  measured_seconds  REAL NOT NULL CHECK (measured_seconds > 0),
  rows              REAL NOT NULL,
  cols              REAL NOT NULL,
  tuple_ratio       REAL NOT NULL DEFAULT 1);
CREATE INDEX measurements_by_machine ON measurements (machine, operation);
)sql"};
  return steps;
}

}  // namespace detail

/// The schema version this amalur writes.
inline int schema_version() { return static_cast<int>(detail::migrations().size()); }

/// One open, checked catalog file.
class database {
 public:
  database(const std::string& path, const open_options& options = {})
      : path_(path), what_(options.catalog_schema ? "catalog" : "SQLite file"), timeout_(options.busy_timeout_seconds) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const bool exists = fs::exists(path, ec);
    if (options.mode == access::read && !exists) fail("the file does not exist");
    if (exists && fs::is_directory(path, ec)) fail("it is a directory");
    struct stat st {};
    // The file's own permission bits decide, even for root, who could write anyway.
    if (options.mode == access::write && exists && ::stat(path.c_str(), &st) == 0 && (st.st_mode & 0222) == 0)
      fail("the file is read-only (no write permission); nothing was written");
    if (!(timeout_ >= 0) || !std::isfinite(timeout_)) fail("the busy timeout must be a finite number of seconds >= 0");
    try {
      const int flags = options.mode == access::read ? SQLite::OPEN_READONLY
                                                     : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE;
      db_ = std::make_unique<SQLite::Database>(path, flags, static_cast<int>(timeout_ * 1000));
      if (options.mode == access::write && sqlite3_db_readonly(db_->getHandle(), "main") == 1)
        fail("the file or its directory is read-only; nothing was written");
      check_integrity();
      if (!options.catalog_schema) {
        if (options.mode == access::write) fail("only a catalog is opened for writing");
      } else if (options.mode == access::write) {
        enable_wal();
        migrate();
      } else {
        const int version = user_version();
        if (version > schema_version()) newer(version);
        if (version < schema_version())
          fail("schema version " + std::to_string(version) + " is older than this amalur's (" +
               std::to_string(schema_version()) + "); open it once for writing (a train run) to migrate it");
      }
      if (options.catalog_schema) db_->exec("PRAGMA foreign_keys = ON");
    } catch (const SQLite::Exception& e) {
      fail(reason_of(e));
    }
  }

  SQLite::Database& connection() { return *db_; }
  const std::string& path() const { return path_; }

  /// Runs `body()` in one IMMEDIATE transaction: committed when it returns,
  /// rolled back when it throws. A busy file is waited for up to the timeout.
  template <class Body>
  auto write(Body&& body) -> decltype(body()) {
    try {
      SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      if constexpr (std::is_void_v<decltype(body())>) {
        body();
        transaction.commit();
      } else {
        auto result = body();
        transaction.commit();
        return result;
      }
    } catch (const SQLite::Exception& e) {
      fail(reason_of(e));
    }
  }

  /// Runs `body()` and turns SQLite's errors into catalog_errors that name the file.
  template <class Body>
  auto read(Body&& body) -> decltype(body()) {
    try {
      return body();
    } catch (const SQLite::Exception& e) {
      fail(reason_of(e));
    }
  }

  [[noreturn]] void fail(const std::string& reason) const {
    throw catalog_error(what_ + " '" + path_ + "': " + reason);
  }

 private:
  std::string reason_of(const SQLite::Exception& e) const {
    const int code = e.getErrorCode();
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
      return "busy: another process kept it locked for more than " + std::to_string(timeout_) +
             " s (raise the timeout, --catalog-timeout); nothing was written";
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
      return std::string("not a SQLite database, or damaged (") + e.what() + "); nothing was written";
    if (code == SQLITE_READONLY) return "the file or its directory is read-only; nothing was written";
    return e.what();
  }
  int user_version() { return db_->execAndGet("PRAGMA user_version").getInt(); }
  [[noreturn]] void newer(int version) const {
    fail("schema version " + std::to_string(version) + " was written by a newer amalur (this one reads up to " +
         std::to_string(schema_version()) + "); nothing was written");
  }
  void check_integrity() {
    const std::string result = db_->execAndGet("PRAGMA quick_check").getString();
    if (result != "ok") fail("damaged (quick_check: " + result + "); nothing was written");
  }
  void enable_wal() {
    // journal_mode is a property of the file: a second process setting it
    // at once gets SQLITE_BUSY without the busy handler, so it retries.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_);
    for (;;) {
      try {
        db_->exec("PRAGMA journal_mode = WAL");
        return;
      } catch (const SQLite::Exception& e) {
        if (e.getErrorCode() != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline) throw;
        sqlite3_sleep(10);
      }
    }
  }
  void migrate() {
    const int found = user_version();
    if (found > schema_version()) newer(found);
    if (found == schema_version()) return;
    write([&] {
      int version = user_version();  // again, under the write lock: another process may have migrated
      if (version > schema_version()) newer(version);
      if (version == 0 && db_->execAndGet("SELECT count(*) FROM sqlite_master").getInt() > 0)
        fail("a SQLite database that is not an amalur catalog (it has tables but no schema version)");
      for (; version < schema_version(); ++version) db_->exec(detail::migrations()[static_cast<std::size_t>(version)]);
      db_->exec("PRAGMA user_version = " + std::to_string(schema_version()));
    });
  }

  std::string path_, what_;
  double timeout_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace amalur::catalog
