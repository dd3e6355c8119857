#include <amalur/amalur.hpp>
#include <amalur/interop/xtensor.hpp>

int main() {
  xt::xtensor<double, 2> dim = {{1, 2}, {3, 4}};
  auto t = amalur::normalized(
      amalur::source(amalur::eigen_view(dim), amalur::gather_rows({1, 0}), amalur::columns<0, 1>()));
  return t.materialize()(0, 0) == 3.0 ? 0 : 1;
}
