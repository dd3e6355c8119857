// A custom model on the operator set: Huber regression, robust to outliers,
// trained factorized over a fact table joined to a dimension table.
#include <amalur/amalur.hpp>
#include <amalur/models/custom.hpp>

#include <iostream>

struct huber {  // any type with value() and derivative() of the linear predictor
  double delta = 1.0;
  double value(double y, double eta) const {
    const double r = std::abs(y - eta);
    return r <= delta ? 0.5 * r * r : delta * (r - 0.5 * delta);
  }
  double derivative(double y, double eta) const { return std::clamp(eta - y, -delta, delta); }
};

int main() {
  const amalur::index_t n = 100000, stores = 100;
  Eigen::MatrixXd sales = Eigen::MatrixXd::Random(n, 2), store_features = Eigen::MatrixXd::Random(stores, 3);
  std::vector<amalur::index_t> store(n);
  for (amalur::index_t i = 0; i < n; ++i) store[i] = i % stores;
  auto T = amalur::normalized(amalur::source(sales, amalur::identity_rows(), amalur::columns<0, 1>()),
                              amalur::source(store_features, amalur::gather_rows(store), amalur::columns<2, 3, 4>()));

  Eigen::VectorXd truth(5);
  truth << 2, -1, 0.5, 3, -2;
  Eigen::VectorXd y = T * truth;
  y.head(1000).array() += 1000;  // gross outliers in 1% of the rows

  const auto robust = amalur::fit_custom(huber{}, T, y);
  const auto least_squares = amalur::linear_regression().fit(T, y);
  std::cout << "truth          " << truth.transpose() << "\n"
            << "huber          " << robust.coefficients.transpose() << "\n"
            << "least squares  " << least_squares.coefficients.transpose() << "\n";
}
