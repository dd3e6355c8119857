#include <amalur/amalur.hpp>

#include <iostream>

int main() {
  Eigen::MatrixXd fact = Eigen::MatrixXd::Random(4, 1), dim = Eigen::MatrixXd::Random(2, 2);
  auto t = amalur::normalized(amalur::source(fact, amalur::identity_rows(), amalur::columns<0>()),
                              amalur::source(dim, amalur::gather_rows({0, 1, 1, 0}), amalur::columns<1, 2>()));
  const Eigen::Vector3d beta(1, 2, 3);
  const double error = (t * beta - t.materialize() * beta).cwiseAbs().maxCoeff();
  std::cout << "amalur " << amalur::version << " consumer: |T beta - M beta| = " << error << "\n";
  return error < 1e-12 ? 0 : 1;
}
