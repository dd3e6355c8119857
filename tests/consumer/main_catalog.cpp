// The catalog from an installed amalur: record a run, read it back.
#include <amalur/catalog/catalog.hpp>

#include <cstdio>
#include <iostream>
#include <string>

int main() {
  const std::string path = "consumer-catalog.db";
  std::remove(path.c_str());
  amalur::catalog::catalog c(path);
  amalur::catalog::run_record r;
  r.started_at = "2026-01-01T00:00:00.000Z";
  r.strategy = "factorized";
  r.metrics = {{"auc", 0.75}};
  const auto id = c.write([&] { return c.add_run(r); });
  const auto back = c.run(id);
  std::cout << "catalog run " << id << ": auc " << back["metrics"]["auc"] << "\n";
  return back["metrics"]["auc"] == 0.75 ? 0 : 1;
}
