// The installed amalur::lbfgs target carries LBFGS++'s include directory.
#include <amalur/amalur.hpp>
#include <amalur/models/lbfgs.hpp>

#include <iostream>

int main() {
  Eigen::MatrixXd fact = Eigen::MatrixXd::Random(40, 1), dim = Eigen::MatrixXd::Random(4, 2);
  std::vector<amalur::index_t> key(40);
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<amalur::index_t>(i % 4);
  auto t = amalur::normalized(amalur::source(fact, amalur::identity_rows(), amalur::columns<0>()),
                              amalur::source(dim, amalur::gather_rows(key), amalur::columns<1, 2>()));
  const Eigen::VectorXd y = t * Eigen::Vector3d(1, -2, 0.5) + Eigen::VectorXd::Random(40) * 0.1;
  const auto spec = amalur::linear_regression().l2(0.1);
  const double gap = (amalur::fit_lbfgs(spec, t, y).coefficients - spec.fit(t, y).coefficients).norm();
  std::cout << "amalur::lbfgs consumer: |L-BFGS - IRLS| = " << gap << "\n";
  return gap < 1e-5 ? 0 : 1;
}
