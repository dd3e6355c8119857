// Will a flight be more than 15 minutes late? Logistic regression on flights
// joined twice with airports (origin, destination), trained factorized on the
// sources, tested on the last week. Usage: flights_demo data/flights.json
#include <amalur/amalur.hpp>
#include <amalur/integration/spec.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <numeric>
#include <string>

using namespace amalur;

template <class F>
double seconds(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int main(int argc, char** argv) {
  const integration::spec spec = integration::load_spec(argc > 1 ? argv[1] : "data/flights.json");
  integration::prepared data;
  integration::prepare(spec, data);  // load, join, encode: T is never built
  const auto& T = data.design->matrix;

  // Hold out the last week: the split composes indicators, no data is copied.
  const auto [test, train] =
      data.rows.partition_rows("flights.date", [](const std::string& day) { return day >= "2001-02-22"; });
  auto T_train = T.select_rows(train), T_test = T.select_rows(test);
  const Eigen::VectorXd y_train = data.labels(train), y_test = data.labels(test);

  const glm model = glm(binomial()).l2(spec.model.l2);
  std::cout << "flights " << T.rows() << " x " << T.cols() << " features; train " << train.size() << ", test "
            << test.size() << "\n" << "cost model on one IRLS step: " << T_train.explain(operation::weighted_crossprod) << "\n";
  glm_fit fit, twin;
  const double auto_s = seconds([&] { fit = model.fit(T_train, y_train); });
  const double mat_s = seconds([&] { twin = model.fit(materialize_best(T_train), y_train); });  // build counted
  T_train.set_strategy(strategy::factorized);
  const double fact_s = seconds([&] { model.fit(T_train, y_train); });

  const Eigen::VectorXd p = fit.predict(T_test);
  std::cout << "\nheld-out accuracy " << metrics::accuracy(y_test, p) << " (majority baseline "
            << 1 - y_test.mean() << "), AUC " << metrics::auc(y_test, p) << "\n"
            << "strategy the cost model chose: " << T_train.report().strategy_name() << ", " << fit.iterations
            << " iterations, converged " << std::boolalpha << fit.converged << "\n"
            << "fit: automatic " << auto_s << " s, factorized " << fact_s << " s, materialized (build counted) "
            << mat_s << " s; same objective within " << std::abs(fit.objective - twin.objective) << "\n\ntop coefficients:\n";
  std::vector<index_t> order(fit.coefficients.size());
  std::iota(order.begin(), order.end(), index_t{0});
  std::sort(order.begin(), order.end(), [&](index_t a, index_t b) { return std::abs(fit.coefficients[a]) > std::abs(fit.coefficients[b]); });
  for (int k = 0; k < 8; ++k) std::cout << "  " << data.design->names[order[k]] << "  " << fit.coefficients[order[k]] << "\n";
}
