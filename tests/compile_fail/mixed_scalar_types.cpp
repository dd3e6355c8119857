// Must not compile: a float source and a double source in one static normalized matrix.
#include <amalur/amalur.hpp>
int main() {
  Eigen::MatrixXd a = Eigen::MatrixXd::Ones(2, 1);
  Eigen::MatrixXf b = Eigen::MatrixXf::Ones(2, 1);
  auto t = amalur::normalized(amalur::source(a, amalur::identity_rows(), amalur::columns<0>()),
                              amalur::source(b, amalur::identity_rows(), amalur::columns<1>()));
  return static_cast<int>(t.rows());
}
