// Compile-time probe: the same computation with T a plain Eigen::MatrixXd; see ratio.sh.
#include <Eigen/Dense>

#include <iostream>

int main() {
  const Eigen::Index n = 1000;
  Eigen::MatrixXd T = Eigen::MatrixXd::Random(n, 5);
  Eigen::VectorXd x = Eigen::VectorXd::Ones(T.cols());
  Eigen::VectorXd y = T * x;
  Eigen::VectorXd z = T.transpose() * y;
  Eigen::MatrixXd g = T.transpose() * T;
  std::cout << y.sum() + z.sum() + g.sum() << "\n";
}
