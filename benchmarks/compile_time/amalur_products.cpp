// Compile-time probe: T a normalized matrix (static face); see ratio.sh.
#include <amalur/amalur.hpp>

#include <iostream>
#include <vector>

int main() {
  const amalur::index_t n = 1000, m = 50;
  std::vector<amalur::index_t> idx(n);
  for (amalur::index_t i = 0; i < n; ++i) idx[i] = i % m;
  Eigen::MatrixXd S = Eigen::MatrixXd::Random(n, 2);
  Eigen::MatrixXd R = Eigen::MatrixXd::Random(m, 3);
  auto T = amalur::normalized(
      amalur::source(S, amalur::identity_rows(), amalur::columns<0, 1>()),
      amalur::source(R, amalur::gather_rows(idx), amalur::columns<2, 3, 4>()));
  Eigen::VectorXd x = Eigen::VectorXd::Ones(T.cols());
  Eigen::VectorXd y = T * x;
  Eigen::VectorXd z = T.transpose() * y;
  Eigen::MatrixXd g = T.transpose() * T;
  std::cout << y.sum() + z.sum() + g.sum() << "\n";
}
