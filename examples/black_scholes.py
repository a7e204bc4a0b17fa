"""Black-Scholes Greeks by reverse mode, checked against their closed forms.

The price of a European call with spot S, volatility sigma, rate r, time to expiry T
and strike K is S N(d1) - K exp(-r T) N(d2), where N is the standard normal CDF.
One reverse-mode gradient with respect to (S, sigma, r, T) gives four Greeks at once:
delta = dC/dS, vega = dC/dsigma, rho = dC/dr, and theta = -dC/dT (the change as
time passes, when the time to expiry shrinks).

    python examples/black_scholes.py
"""
import math

import tangentlike as tl


def normal_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def call_price(S, sigma, r, T, K):
    d1 = (math.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    return S * normal_cdf(d1) - K * math.exp(-r * T) * normal_cdf(d2)


def closed_form_greeks(S, sigma, r, T, K):
    d1 = (math.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    density = math.exp(-0.5 * d1 ** 2) / math.sqrt(2.0 * math.pi)
    delta = normal_cdf(d1)
    vega = S * density * math.sqrt(T)
    rho = K * T * math.exp(-r * T) * normal_cdf(d2)
    theta = -S * density * sigma / (2.0 * math.sqrt(T)) \
        - r * K * math.exp(-r * T) * normal_cdf(d2)
    return delta, vega, rho, theta


greeks = tl.grad(call_price, wrt=("S", "sigma", "r", "T"))

S, sigma, r, T, K = 100.0, 0.2, 0.05, 1.0, 105.0
dS, dsigma, dr, dT = greeks(S, sigma, r, T, K)
ad = {"delta": dS, "vega": dsigma, "rho": dr, "theta": -dT}
exact = dict(zip(("delta", "vega", "rho", "theta"), closed_form_greeks(S, sigma, r, T, K)))

print(f"call price = {call_price(S, sigma, r, T, K):.6f}")
print("greek   tangentlike     closed form     difference")
for name in ad:
    print(f"{name:6} {ad[name]:13.8f} {exact[name]:15.8f} {abs(ad[name] - exact[name]):14.2e}")
print("all match:", all(math.isclose(ad[k], exact[k], rel_tol=1e-12) for k in ad))
