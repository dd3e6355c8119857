// Silo mode from an installed amalur: two parties in one process agree on a sum.
#include <amalur/silos/collectives.hpp>
#include <amalur/silos/keyed_hash.hpp>
#include <amalur/silos/thread_transport.hpp>

#include <iostream>
#include <thread>

int main() {
  using namespace amalur::silos;
  thread_network net(2);
  double at_silo = 0;
  std::thread silo([&] {
    channel ch(net.at(1), {"aggregator", "s"}, {});
    at_silo = all_sum(ch, 2.0);
  });
  channel ch(net.at(0), {"aggregator", "s"}, {});
  const double total = all_sum(ch, 1.0);
  silo.join();
  const bool same_hash = hash_of("key", new_hash_key()) == hash_of("key", new_hash_key());
  std::cout << "silo sum " << total << " " << at_silo << (same_hash ? " (hash keys collide!)" : "") << "\n";
  return total == 3.0 && at_silo == 3.0 && !same_hash ? 0 : 1;
}
