"""Elementwise activations: one spec each, forward and derivative in stable forms.

Every function receives ``xp`` (the input's array namespace), ``x`` (already widened to float64)
and ``p`` (the bound parameters). Conventions used throughout:

* piecewise forms evaluate exp/log only on arguments clamped to their branch;
* ``keep_nan`` makes NaN in give NaN out where a comparison would drop it;
* ``finite`` + ``at_inf`` give the limits at ±inf where a formula would meet inf/inf or 0·inf.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from types import ModuleType
from typing import Any

import array_api_compat as aac
import numpy as np

from ._registry import register
from ._spec import (
    REQUIRED,
    Facts,
    Kink,
    Param,
    Params,
    Peer,
    Peers,
    Range,
    Reference,
    Spec,
)
from ._xp import (
    INV_SQRT_2PI,
    SQRT1_2,
    Array,
    at_inf,
    clamp_abs,
    const,
    dd_mul_const,
    draw,
    dsigmoid,
    exp_neg_sq,
    finite,
    hypot,
    keep_nan,
    mul_zero_safe,
    ndtr,
    npdf,
    sigmoid,
    sigmoid_dd,
    special,
    two_prod,
    two_sum,
)

NAN = math.nan
INF = math.inf
R = Range
ALL_REAL = Range(-INF, INF, False, False)


def _pos(v: float) -> bool:
    return v > 0


def _nonneg(v: float) -> bool:
    return v >= 0


def elementwise(**kw: Any) -> Spec:
    return register(Spec(kind="elementwise", **kw))


def sum_to(xp: ModuleType, t: Array, like: Any) -> Array:
    """Σ of t over the axes a parameter was broadcast along, so the result has its shape."""
    if isinstance(like, float):
        return xp.sum(t)
    shape = tuple(like.shape)
    lead = t.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and t.shape[lead + i] != 1
    )
    out = xp.sum(t, axis=axes, keepdims=True) if axes else t
    return xp.reshape(out, shape)


def _mul_dd(xp: ModuleType, c: float, x: Array) -> tuple[Array, Array]:
    """c·x as a double-double (c a Python float), exact for |x| ≤ 1e150."""
    if c == 1.0:
        return x, xp.zeros_like(x)
    # Dekker's splitting overflows above ~1e300: scale large |x| by 2^-600 first (exact) and
    # the parts back by 2^600 (exact, unless c·x itself overflows, which gives ±inf).
    big = xp.abs(x) > 1e150
    xs = xp.where(big, x * 2.0**-600, x)
    h, lo = dd_mul_const(xp, xs, c, 0.0)
    h = xp.where(big, h * 2.0**600, h)
    lo = xp.where(big, lo * 2.0**600, lo)
    return h, xp.where(xp.isinf(h), const(xp, x, 0.0), lo)


# ===================================================================== derivatives near their roots
# Near a root x0 of f', f' = a − b with a ≈ b loses all relative accuracy (~500 ULP for gelu at
# x = −0.75). There f' is evaluated as its Taylor series in d = x − x0, with x0 a double-double:
# no cancellation. Coefficients (and x0 as hi, lo) from tools/root_series.py.

_ROOT_RADIUS = {"silu": 1.25}  # 0.5 for the others (sinc's roots are π apart)
_ROOT_SERIES: dict[str, tuple[str, str, tuple[float, ...]]] = {
    "gelu": (
        "-0x1.80ead197f00b4p-1",
        "0x1.13e74c58cada8p-56",
        (
            0.4314939923140469,
            0.388284982990552,
            -0.018199676398671087,
            -0.1140082332972217,
            -0.014771522148244337,
            0.019421679838189067,
            0.004539228379125415,
            -0.002239538068073497,
            -0.0007448268386746817,
            0.00018633974623233514,
            8.615947861116571e-05,
            -1.121438018842664e-05,
            -7.74846130700372e-06,
            4.3284506257392273e-07,
            5.702764979242107e-07,
            -1.6044265494246427e-09,
            -3.5459866461783865e-08,
            -1.396942086426202e-09,
            1.90319840501314e-09,
            1.4506418938779426e-10,
            -8.950037692726255e-11,
            -9.950340824808053e-12,
            3.725967039270119e-12,
            5.482292964742324e-13,
            -1.3820118240601056e-13,
            -2.5871508475507507e-14,
            4.578167824271334e-15,
            1.0789662518230159e-15,
            -1.3507094681149317e-16,
            -4.0514385281601486e-17,
        ),
    ),
    "gelu_tanh": (
        "-0x1.81429f9e97e4dp-1",
        "0x1.4f523ed77dbdcp-55",
        (
            0.4304000910248585,
            0.38751844613578895,
            -0.01578285352184803,
            -0.11394448308095899,
            -0.01661932834305256,
            0.019682309459833118,
            0.005261059254921912,
            -0.0024227318458750974,
            -0.0009274420230205449,
            0.00026392764052681053,
            0.00012425227802639782,
            -3.4956171694436116e-05,
            -1.5950896871645105e-05,
            5.918611710894005e-06,
            2.4335516344299543e-06,
            -9.898647747433667e-07,
            -4.3102482988029016e-07,
            1.4157556987729473e-07,
            7.520740909289922e-08,
            -1.6978217459781023e-08,
            -1.196180847972441e-08,
            1.7637802707907564e-09,
            1.744987137846621e-09,
            -1.708811216951738e-10,
            -2.433873557833449e-10,
            1.687283177355558e-11,
            3.393384490409003e-11,
            -1.6704708256434772e-12,
            -4.827778412316251e-12,
            1.2486727012407477e-13,
        ),
    ),
    "silu": (
        "-0x1.474973c84120bp+0",
        "-0x1.f8d74bc9ac154p-54",
        (
            0.2178117057198001,
            0.1466487969969469,
            0.018874814223782312,
            -0.015222655223188032,
            -0.006606589138356696,
            0.000126627410081122,
            0.0007985218818397998,
            0.00018570724361186496,
            -4.090534237428612e-05,
            -2.9733542213263917e-05,
            -2.942631888842464e-06,
            2.346029682463866e-06,
            8.599695028268575e-07,
            -3.051244750055421e-08,
            -9.266646309267441e-08,
            -1.8877622907727957e-08,
            4.619379769031606e-09,
            2.9177603026903803e-09,
            2.3648315053103244e-10,
            -2.251366201881081e-10,
            -7.50344609385287e-11,
            3.998547874723996e-12,
            8.04274075537398e-12,
            1.4842855116792256e-12,
            -4.1428341124873365e-13,
            -2.3496573817834053e-13,
            -1.5376365106809265e-14,
            1.8397842645887054e-14,
            5.662235988802348e-15,
            -4.0908332256286805e-16,
            -6.188638949724368e-16,
            -1.0399488154756224e-16,
            3.334275149650013e-17,
            1.721651999171468e-17,
            8.67091436667646e-19,
            -1.3840002418608729e-18,
            -3.954856214750199e-19,
            3.6593212392469714e-20,
            4.452909024606121e-20,
            6.800579363820848e-21,
            -2.5158764110529482e-21,
            -1.1924814502010266e-21,
            -4.209982064400547e-23,
            9.890867751146305e-23,
            2.6298155409498393e-23,
            -3.0076562800859225e-24,
            -3.0680901352700114e-24,
            -4.235613916902115e-25,
        ),
    ),
    "mish": (
        "-0x1.31432c0d12d84p+0",
        "-0x1.bf319154da210p-55",
        (
            0.2669479140495345,
            0.20473126408010586,
            0.04190782104360987,
            -0.020271822716684245,
            -0.01582112656173338,
            -0.0033606849270232685,
            0.0010924055409445854,
            0.0009898181021289196,
            0.00025412936386191073,
            -4.1961496031696126e-05,
            -5.582891567360688e-05,
            -1.72992708103044e-05,
            9.427361327376651e-07,
            2.9088199364912223e-06,
            1.071676702702074e-06,
            2.6879417855557728e-08,
            -1.4117255919499382e-07,
            -6.174424363104907e-08,
            -5.460186173028381e-09,
            6.3895954615089855e-09,
            3.3604012383661332e-09,
            4.817646300218697e-10,
            -2.6751871594311224e-10,
            -1.7442209713382678e-10,
            -3.3904729895707114e-11,
            1.0101727316036154e-11,
            8.681382594457511e-12,
            2.124385967466607e-12,
            -3.20344479568135e-13,
            -4.153673469447499e-13,
        ),
    ),
    "sinc1": (
        "0x1.1f940543506adp+2",
        "-0x1.327a11564f89ap-55",
        (
            0.21723362821122166,
            -0.048344943910877826,
            -0.021860167051837118,
            0.004066802237922972,
            0.0007242090165185497,
            -0.00012088752468350031,
            -1.2355286362377409e-05,
            1.8943206583969571e-06,
            1.3021811717810346e-07,
            -1.8555211869496206e-08,
            -9.373296013187749e-10,
            1.2505582678732781e-10,
            4.9138577856905054e-12,
            -6.171295914646499e-13,
            -1.962498792254555e-14,
            2.3298383437102037e-15,
            6.174175453173626e-17,
            -6.952778798079887e-18,
            -1.570319812539394e-19,
            1.6823229661903538e-20,
            3.2963751777284474e-22,
            -3.3683290019237e-23,
            -5.808924966043976e-25,
            5.674371604110984e-26,
            8.716061230967676e-28,
            -8.155894676350968e-29,
            -1.127017680135893e-30,
            1.012073519517002e-31,
            1.2688601779041105e-33,
            -1.0953540532171149e-34,
        ),
    ),
    "sinc2": (
        "0x1.ee6a86ae40ba6p+2",
        "0x1.b623b2c454942p-52",
        (
            -0.12837455352589913,
            0.016617523445913558,
            0.018527671459815365,
            -0.0023055105478067568,
            -0.0007116620602185178,
            8.43952309053164e-05,
            1.2985892612553192e-05,
            -1.4789468011798086e-06,
            -1.4105120739147628e-07,
            1.5504962833756106e-08,
            1.026544683824673e-09,
            -1.0926318730074768e-10,
            -5.384112624815975e-12,
            5.561165310828728e-13,
            2.1384151596779766e-14,
            -2.146859252659516e-15,
            -6.667089815050549e-17,
            6.5141888948936e-18,
            1.677064755331049e-19,
            -1.5963981878992458e-20,
            -3.4779685203128427e-22,
            3.228291359726822e-23,
            6.051739682887785e-25,
            -5.481807818685929e-26,
            -8.964452218031851e-28,
            7.929926867045632e-29,
            1.1443949329512358e-30,
            -9.892387720997955e-32,
            -1.272291142562509e-33,
            1.0753440615296362e-34,
        ),
    ),
    "sinc3": (
        "0x1.5cee908bdb46ap+3",
        "0x1.e05efed7e105ep-51",
        (
            0.09132520282305767,
            -0.008375291992829876,
            -0.0141967538395423,
            0.0012784822061370825,
            0.0006203462245925136,
            -5.474046614584383e-05,
            -1.2382750987393894e-05,
            1.0698326040850392e-06,
            1.4265368733734175e-07,
            -1.2082796075853194e-08,
            -1.0790586320913776e-09,
            8.972045697043556e-11,
            5.804898545392039e-12,
            -4.743129386364259e-13,
            -2.3439477625317186e-14,
            1.8836526453695506e-15,
            7.384847683351516e-17,
            -5.840626098705296e-18,
            -1.869251653143072e-19,
            1.4557235280032545e-20,
            3.8890901129224375e-22,
            -2.983610931224245e-23,
            -6.774249567717532e-25,
            5.121538015640562e-26,
            1.0029324365242072e-27,
            -7.474761881832262e-29,
            -1.2781473599821852e-30,
            9.393318986708989e-32,
            1.4173295597802697e-33,
            -1.0273904020768744e-34,
        ),
    ),
    "sinc4": (
        "0x1.c21e42b259c64p+3",
        "0x1.8773d22185ac6p-51",
        (
            -0.07091345945046215,
            0.005041410625355692,
            0.01134103502089898,
            -0.0007977684915024944,
            -0.0005228871282648011,
            3.636691419457402e-05,
            1.1115373649715065e-05,
            -7.639613862217903e-07,
            -1.3507195452226887e-07,
            9.173576191300023e-09,
            1.0650714345477347e-09,
            -7.150357002384155e-11,
            -5.913632590514504e-12,
            3.9261542246757937e-13,
            2.445589732423237e-14,
            -1.6063405870111471e-15,
            -7.845392492759341e-17,
            5.099912368396128e-18,
            2.0130610832802078e-19,
            -1.2954728952461465e-20,
            -4.2314536960813158e-22,
            2.69645809542049e-23,
            7.427286621804469e-25,
            -4.6877059065500743e-26,
            -1.1058469484807522e-27,
            6.914043559924456e-29,
            1.4150597022212724e-30,
            -8.765763247366008e-32,
            -1.5736017877483818e-33,
            9.659416927198066e-35,
        ),
    ),
    "sinc5": (
        "0x1.138836ae15cbcp+4",
        "-0x1.58ebfbb926094p-50",
        (
            0.057971802346153886,
            -0.003366391394031707,
            -0.009401321006585306,
            0.0005421457622724695,
            0.0004453198173643196,
            -2.5493852496306967e-05,
            -9.810439669249812e-06,
            5.574059766492063e-07,
            1.2379000701553342e-07,
            -6.979573844857446e-09,
            -1.0101703113377229e-09,
            5.652045060006249e-11,
            5.7751348057443915e-12,
            -3.206981663094233e-13,
            -2.446769833452539e-14,
            1.3487318042304595e-15,
            8.005804700614499e-17,
            -4.3813978714035336e-18,
            -2.087488114047268e-19,
            1.1344334020560253e-20,
            4.445497991426233e-22,
            -2.39931581663099e-23,
            -7.886012231923914e-25,
            4.227597826520851e-26,
            1.18427221465965e-27,
            -6.306776122026699e-29,
            -1.5259984022540972e-30,
            8.073729825829924e-32,
            1.7065498452195902e-33,
            -8.97104591523454e-35,
        ),
    ),
    "sinc6": (
        "0x1.45f0db5f30c50p+4",
        "0x1.9e7857a0fee04p-50",
        (
            -0.049029624014074166,
            0.002406798628053434,
            0.008014075304067633,
            -0.0003914670134470875,
            -0.0003855202899546736,
            1.8736011749323406e-05,
            8.676984867979414e-06,
            -4.1949184562255617e-07,
            -1.1223217413998263e-07,
            5.397010773921918e-09,
            9.392786880877744e-10,
            -4.492564659949757e-11,
            -5.498707416069499e-12,
            2.6159671270588284e-13,
            2.3796228211732455e-14,
            -1.1261004146325147e-15,
            -7.931423788076846e-17,
            3.7338085900069614e-18,
            2.101202691458693e-19,
            -9.840978274137454e-21,
            -4.535696564566051e-22,
            2.113590015292385e-23,
            8.139061051463674e-25,
            -3.7739165430101333e-26,
            -1.2342477539443984e-27,
            5.694997277443448e-29,
            1.603589996907478e-30,
            -7.363541424533014e-32,
            -1.8059247538182605e-33,
            8.253184261182116e-35,
        ),
    ),
    "sinc7": (
        "0x1.784fad6c5b1dcp+4",
        "0x1.78e714a91f674p-51",
        (
            0.04247961697761265,
            -0.0018061482077433772,
            -0.006977544425268132,
            0.0002955828368555268,
            0.00033891570010455025,
            -1.4303146815014705e-05,
            -7.733476978563094e-06,
            3.2511809840392574e-07,
            1.0170313635252177e-07,
            -4.2589089324128665e-09,
            -8.666618502304078e-10,
            3.614880095837261e-11,
            5.166616903083811e-12,
            -2.1464734727273113e-13,
            -2.2750058449002998e-14,
            9.414178939314126e-16,
            7.704788321640645e-17,
            -3.175811251636956e-18,
            -2.0707350836407375e-19,
            8.502183967248411e-21,
            4.527411239104075e-22,
            -1.851773704606898e-23,
            -8.216147459000799e-25,
            3.347793487119715e-26,
            1.2582884797066093e-27,
            -5.107907554440781e-29,
            -1.6489800264895018e-30,
            6.66913369628995e-32,
            1.8710681892892516e-33,
            -7.539671676237504e-35,
        ),
    ),
    "sinc8": (
        "0x1.aaa82882af643p+4",
        "-0x1.e624822be8a0cp-50",
        (
            -0.03747451999393118,
            0.0014053267735156766,
            0.006175485379921857,
            -0.00023092724300546898,
            -0.00030189570202631956,
            1.1256397553786009e-05,
            6.9529925165933065e-06,
            -2.584817736832959e-07,
            -9.249940977677011e-08,
            3.4284178965791145e-09,
            7.98559056138882e-10,
            -2.950834014655084e-11,
            -4.826339258028186e-12,
            1.7779972414345703e-13,
            2.154522671808419e-14,
            -7.912950673030341e-16,
            -7.393822067651639e-17,
            2.7072875523304966e-18,
            2.0119529172502955e-19,
            -7.34461260802893e-21,
            -4.449415922413872e-22,
            1.6193843573089096e-23,
            8.158915113742152e-25,
            -2.9606476140761765e-26,
            -1.2612845862854385e-27,
            4.563381745038454e-29,
            1.666854481524391e-30,
            -6.013160808743638e-32,
            -1.9056090379588777e-33,
            6.854598152057556e-35,
        ),
    ),
    "sinc9": (
        "0x1.dcfc4f0385bc0p+4",
        "0x1.428fec6998bd9p-51",
        (
            0.033525135021398755,
            -0.0011245668257027607,
            -0.005537225891003418,
            0.00018531886788810417,
            0.00027191652386590826,
            -9.079461282136698e-06,
            -6.303742370457634e-06,
            2.0999321933872704e-07,
            8.455960628260216e-08,
            -2.810212864475285e-09,
            -7.370399472226938e-10,
            2.443580226111194e-11,
            4.501089928047617e-12,
            -1.4886950839668971e-13,
            -2.0310630392367137e-14,
            6.701324106439065e-16,
            7.045327939388213e-17,
            -2.3189293110622552e-18,
            -1.9371775521493351e-19,
            6.3607372746264845e-21,
            4.326607634189604e-22,
            -1.4172354574164662e-23,
            -8.007424897227135e-25,
            2.616676300756032e-26,
            1.248501619667962e-27,
            -4.070201406237971e-29,
            -1.662969472852128e-30,
            5.408641520777049e-32,
            1.9148449263145247e-33,
            -6.21329892178007e-35,
        ),
    ),
}
_ROOTS = {
    k: (float.fromhex(hi), float.fromhex(lo), coeffs)
    for k, (hi, lo, coeffs) in _ROOT_SERIES.items()
}


def _near_root(xp: ModuleType, t: Array, t_lo: Array | float, key: str, general: Array) -> Array:
    """f' from its series where t = t + t_lo is within _ROOT_RADIUS of the root, else general."""
    hi, lo, coeffs = _ROOTS[key]
    d = (t - hi) + (t_lo - lo)
    inside = xp.abs(d) < _ROOT_RADIUS.get(key, 0.5)
    if isinstance(general, np.ndarray) or aac.is_torch_array(general):
        # evaluate the series only where it is used (boolean indexing, then scatter back)
        if not bool(xp.any(inside)):
            return general
        ds = d[inside]
        acc = xp.zeros_like(ds)
        for c in reversed(coeffs):
            acc = acc * ds + c
        out = xp.asarray(general, copy=True)
        out[inside] = acc * ds
        return out
    dc = xp.where(inside, d, const(xp, t, 0.0))  # namespaces without item assignment (JAX)
    acc = xp.zeros_like(t)
    for c in reversed(coeffs):
        acc = acc * dc + c
    return xp.where(inside, acc * dc, general)


# ============================================================================== step and linear


def _step_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return keep_nan(xp, x, xp.where(x >= p["threshold"], const(xp, x, 1.0), const(xp, x, 0.0)))


def _zero_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return keep_nan(xp, x, xp.zeros_like(x))


elementwise(
    name="binary_step",
    example=(
        ">>> import actlab\n"
        ">>> actlab.binary_step([-2.0, 0.0, 1.5])\n"
        "array([0., 1., 1.])\n"
        ">>> actlab.get('binary_step').derivative([-2.0, 0.0, 1.5])\n"
        "array([0., 0., 0.])"
    ),
    aliases=("step", "heaviside"),
    summary="Heaviside step: 1 where x ≥ threshold, else 0 (the perceptron's activation).",
    params=(Param("threshold", 0.0, "the input at which the output switches from 0 to 1"),),
    forward=_step_f,
    derivative=_zero_d,
    latex=r"f(x) = \begin{cases} 1 & x \ge \theta \\ 0 & x < \theta \end{cases}",
    derivative_latex=r"f'(x) = 0 \quad (x \ne \theta;\ 0 \text{ at } \theta \text{ by convention})",
    text="f(x) = 1 if x >= threshold else 0",
    derivative_text="f'(x) = 0 everywhere (undefined at the threshold; actlab returns 0 there)",
    kinks=(Kink(lambda p: p["threshold"], 0.0, "a jump: no derivative exists; 0 like autograd"),),
    facts=Facts(
        range=R(0.0, 1.0, True, True),
        monotonic=True,
        smoothness=-1,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("perceptrons", "teaching", "hard gates at inference"),
        pros=("binary output", "trivially cheap"),
        cons=("zero gradient everywhere: cannot be trained by gradient descent",),
        init="xavier",
    ),
    references=(
        Reference(
            "A logical calculus of the ideas immanent in nervous activity",
            "McCulloch, Pitts",
            1943,
        ),
    ),
)


def _linear_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return mul_zero_safe(xp, p["slope"], x)


def _linear_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return keep_nan(xp, x, xp.full(x.shape, p["slope"], dtype=x.dtype))


elementwise(
    name="linear",
    torch_gain=lambda p: 1.0,
    example=(
        ">>> import actlab\n"
        ">>> actlab.linear([-2.0, 0.0, 1.5])\n"
        "array([-2. ,  0. ,  1.5])\n"
        ">>> actlab.get('linear').derivative([-2.0, 0.0, 1.5])\n"
        "array([1., 1., 1.])"
    ),
    aliases=("identity",),
    summary="The identity, scaled: m·x (no nonlinearity; regression outputs).",
    params=(Param("slope", 1.0, "the factor m"),),
    forward=_linear_f,
    derivative=_linear_d,
    latex=r"f(x) = m x",
    derivative_latex=r"f'(x) = m",
    text="f(x) = slope * x",
    derivative_text="f'(x) = slope",
    facts=Facts(
        range=lambda p: ALL_REAL if p["slope"] != 0 else R(0.0, 0.0, True, True),
        monotonic=lambda p: p["slope"] >= 0,
        smoothness=INF,
        zero_centred=True,
        saturates=(),
        uses=("regression output layer", "linear bottlenecks", "baseline"),
        pros=("unbounded, exact gradient", "no saturation"),
        cons=("a stack of linear layers is one linear map: no expressive power added",),
        init="xavier",
    ),
    peers=Peers(
        keras=Peer("keras.activations.linear", fixed={}, note="slope must be 1"),
        jax=Peer("jax.nn.identity", note="slope must be 1"),
    ),
)

# =============================================================================== sigmoid family


def _sigmoid_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return sigmoid(xp, x)


def _sigmoid_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return dsigmoid(xp, x)


elementwise(
    name="sigmoid",
    lean=("output", lambda xp, y, p: y * (1.0 - y), None),
    torch_gain=lambda p: 1.0,
    example=(
        ">>> import actlab\n"
        ">>> actlab.sigmoid([-2.0, 0.0, 1.5])\n"
        "array([0.11920292, 0.5       , 0.81757448])\n"
        ">>> actlab.get('sigmoid').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.10499359, 0.25      , 0.14914645])"
    ),
    aliases=("logistic",),
    summary="The logistic function 1/(1 + e^−x): a probability from a logit.",
    forward=_sigmoid_f,
    derivative=_sigmoid_d,
    latex=r"f(x) = \sigma(x) = \frac{1}{1 + e^{-x}}",
    derivative_latex=r"f'(x) = \sigma(x)\,\sigma(-x)",
    text="f(x) = 1 / (1 + exp(-x))",
    derivative_text="f'(x) = sigmoid(x) * sigmoid(-x)  (not s(1 - s), which is 0 at x = 37)",
    facts=Facts(
        range=R(0.0, 1.0, False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("binary classification output", "multi-label output", "gates in LSTM/GRU"),
        pros=("output is a probability", "smooth"),
        cons=(
            "saturates on both sides: vanishing gradients in deep stacks (f' ≤ 1/4)",
            "not zero-centred: zig-zagging updates",
        ),
        init="xavier",
    ),
    references=(
        Reference(
            "Learning representations by back-propagating errors",
            "Rumelhart, Hinton, Williams",
            1986,
        ),
    ),
    peers=Peers(
        torch=Peer("torch.sigmoid", module="torch.nn.Sigmoid"),
        keras=Peer("keras.activations.sigmoid"),
        jax=Peer("jax.nn.sigmoid"),
    ),
)


def _tanh_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return xp.tanh(x)


def _tanh_d(xp: ModuleType, x: Array, p: Params) -> Array:
    # sech²(x) = 4e/(1+e)², e = exp(−2|x|): no 1 − tanh² cancellation.
    e = xp.exp(-2.0 * xp.abs(x))
    r = 1.0 / (1.0 + e)
    return 4.0 * e * r * r


elementwise(
    name="tanh",
    lean=("output", lambda xp, y, p: 1.0 - y * y, None),
    torch_gain=lambda p: 5.0 / 3.0,
    example=(
        ">>> import actlab\n"
        ">>> actlab.tanh([-2.0, 0.0, 1.5])\n"
        "array([-0.96402758,  0.        ,  0.90514825])\n"
        ">>> actlab.get('tanh').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.07065082, 1.        , 0.18070664])"
    ),
    summary="Hyperbolic tangent: a zero-centred sigmoid with range (−1, 1).",
    forward=_tanh_f,
    derivative=_tanh_d,
    latex=r"f(x) = \tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
    derivative_latex=r"f'(x) = \operatorname{sech}^2 x = 1 - \tanh^2 x",
    text="f(x) = tanh(x)",
    derivative_text="f'(x) = sech(x)^2 = 4e/(1+e)^2 with e = exp(-2|x|)",
    facts=Facts(
        range=R(-1.0, 1.0, False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=True,
        saturates=("negative", "positive"),
        uses=("RNN/LSTM state", "GAN generator output", "outputs bounded to [−1, 1]"),
        pros=("zero-centred", "stronger gradient than sigmoid (f'(0) = 1)"),
        cons=("saturates on both sides: vanishing gradients in deep stacks",),
        init="xavier",
    ),
    references=(Reference("Efficient BackProp", "LeCun, Bottou, Orr, Müller", 1998),),
    peers=Peers(
        torch=Peer("torch.tanh", module="torch.nn.Tanh"),
        keras=Peer("keras.activations.tanh"),
        jax=Peer("jax.numpy.tanh"),
    ),
)


# =================================================================================== rectifiers


def _relu_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return keep_nan(xp, x, xp.where(x > 0, x, const(xp, x, 0.0)))


def _relu_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return keep_nan(xp, x, xp.where(x > 0, const(xp, x, 1.0), const(xp, x, 0.0)))


elementwise(
    name="relu",
    lean=("mask", lambda xp, x, p: x > 0, lambda xp, m, p: xp.astype(m, xp.float64)),
    torch_gain=lambda p: math.sqrt(2.0),
    example=(
        ">>> import actlab\n"
        ">>> actlab.relu([-2.0, 0.0, 1.5])\n"
        "array([0. , 0. , 1.5])\n"
        ">>> actlab.get('relu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0., 0., 1.])"
    ),
    summary="Rectified linear unit max(x, 0): the default hidden activation.",
    forward=_relu_f,
    derivative=_relu_d,
    latex=r"f(x) = \max(x, 0)",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}",
    text="f(x) = max(x, 0)",
    derivative_text="f'(x) = 1 if x > 0 else 0  (0 at x = 0)",
    kinks=(Kink(0.0, 0.0, "PyTorch, JAX (custom rule) and TensorFlow all use 0"),),
    facts=Facts(
        range=R(0.0, INF, True, False),
        monotonic=True,
        smoothness=0,
        zero_centred=False,
        saturates=("negative",),
        uses=("default for hidden layers of MLPs and CNNs", "speed-critical models"),
        pros=("cheap", "no saturation for x > 0", "sparse activations"),
        cons=("dying ReLU: units stuck at x < 0 get no gradient", "not zero-centred"),
        init="he",
    ),
    references=(
        Reference(
            "Rectified linear units improve restricted Boltzmann machines", "Nair, Hinton", 2010
        ),
        Reference("Deep sparse rectifier neural networks", "Glorot, Bordes, Bengio", 2011),
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.relu", module="torch.nn.ReLU"),
        keras=Peer("keras.activations.relu"),
        jax=Peer("jax.nn.relu"),
    ),
)


def _leaky(xp: ModuleType, x: Array, s: Any) -> Array:
    return xp.where(x >= 0, x, mul_zero_safe(xp, s, x))


def _leaky_d(xp: ModuleType, x: Array, s: Any) -> Array:
    one = const(xp, x, 1.0)
    slope = s if not isinstance(s, float) else const(xp, x, s)
    return keep_nan(xp, x, xp.where(x > 0, one, slope) + xp.zeros_like(x))


def _slope_range(s: float) -> Range:
    return ALL_REAL if s > 0 else R(0.0, INF, True, False)


elementwise(
    name="leaky_relu",
    lean=("mask", lambda xp, x, p: x > 0, lambda xp, m, p: xp.where(m, 1.0, p["negative_slope"])),
    torch_gain=lambda p: math.sqrt(2.0 / (1.0 + p["negative_slope"] ** 2)),
    example=(
        ">>> import actlab\n"
        ">>> actlab.leaky_relu([-2.0, 0.0, 1.5])\n"
        "array([-0.02,  0.  ,  1.5 ])\n"
        ">>> actlab.get('leaky_relu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.01, 0.01, 1.  ])"
    ),
    aliases=("lrelu",),
    summary="ReLU with a small slope for x < 0, so no unit is ever without gradient.",
    params=(Param("negative_slope", 0.01, "the slope for x < 0 (Keras' default is 0.2)"),),
    forward=lambda xp, x, p: _leaky(xp, x, p["negative_slope"]),
    derivative=lambda xp, x, p: _leaky_d(xp, x, p["negative_slope"]),
    latex=r"f(x) = \begin{cases} x & x \ge 0 \\ a x & x < 0 \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}",
    text="f(x) = x if x >= 0 else negative_slope * x",
    derivative_text="f'(x) = 1 if x > 0 else negative_slope  (negative_slope at 0, as PyTorch)",
    kinks=(Kink(0.0, lambda p: p["negative_slope"], "PyTorch's convention; JAX gives 1"),),
    facts=Facts(
        range=lambda p: _slope_range(p["negative_slope"]),
        monotonic=lambda p: p["negative_slope"] >= 0,
        smoothness=0,
        zero_centred=True,
        saturates=(),
        uses=("GAN discriminators", "a fix for dying ReLUs"),
        pros=("never dead", "cheap"),
        cons=("one more hyper-parameter", "gains over ReLU are often small"),
        init="he",
    ),
    references=(
        Reference(
            "Rectifier nonlinearities improve neural network acoustic models",
            "Maas, Hannun, Ng",
            2013,
        ),
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.leaky_relu",
            {"negative_slope": "negative_slope"},
            module="torch.nn.LeakyReLU",
        ),
        keras=Peer("keras.activations.leaky_relu", {"negative_slope": "negative_slope"}),
        jax=Peer(
            "jax.nn.leaky_relu",
            {"negative_slope": "negative_slope"},
            grad_differs_at=(0.0,),
            note="JAX's autograd gives f'(0) = 1",
        ),
    ),
)


def _channel(xp: ModuleType, a: Any, x: Array) -> Any:
    """PReLU's weight along the channel axis: dim 1, or dim 0 for 1-D input (as torch)."""
    if isinstance(a, float) or a.ndim == 0 or (a.ndim == 1 and a.shape[0] == 1):
        return a if isinstance(a, float) else xp.reshape(a, ())
    if a.ndim != 1:
        raise ValueError(
            f"prelu: alpha must be a scalar or 1-D (one per channel), got shape {a.shape}"
        )
    ch = 1 if x.ndim >= 2 else 0
    if x.ndim == 0 or x.shape[ch] != a.shape[0]:
        raise ValueError(
            f"prelu: alpha has {a.shape[0]} channels but x has "
            f"{x.shape[ch] if x.ndim else 'no'} along its channel axis {ch} "
            f"(shape {tuple(x.shape)})"
        )
    shape = [1] * x.ndim
    shape[ch] = a.shape[0]
    return xp.reshape(a, tuple(shape))


def _prelu_vjp(xp: ModuleType, x: Array, g: Array, p: Params) -> dict[str, Array]:
    a = p["alpha"]
    neg = xp.where(x > 0, const(xp, x, 0.0), x)
    t = g * neg
    if isinstance(a, float) or a.ndim == 0 or a.shape == (1,):
        s = xp.sum(t)
        return {"alpha": s if isinstance(a, float) or a.ndim == 0 else xp.reshape(s, (1,))}
    ch = 1 if x.ndim >= 2 else 0
    axes = tuple(i for i in range(x.ndim) if i != ch)
    return {"alpha": xp.sum(t, axis=axes)}


elementwise(
    name="prelu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.prelu([-2.0, 0.0, 1.5])\n"
        "array([-0.5,  0. ,  1.5])\n"
        ">>> actlab.get('prelu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.25, 0.25, 1.  ])"
    ),
    summary="Parametric ReLU: leaky ReLU whose negative slope α is learned (per channel).",
    params=(
        Param(
            "alpha",
            0.25,
            "the learnable slope for x < 0; a scalar, or one per channel (dim 1, or dim 0 "
            "for 1-D input, as torch.nn.functional.prelu)",
            learnable=True,
        ),
    ),
    forward=lambda xp, x, p: _leaky(xp, x, _channel(xp, p["alpha"], x)),
    derivative=lambda xp, x, p: _leaky_d(xp, x, _channel(xp, p["alpha"], x)),
    param_vjp=_prelu_vjp,
    latex=r"f(x) = \begin{cases} x & x \ge 0 \\ \alpha x & x < 0 \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases},"
    r"\quad \frac{\partial f}{\partial \alpha} = \min(x, 0)",
    text="f(x) = x if x >= 0 else alpha * x",
    derivative_text="f'(x) = 1 if x > 0 else alpha (alpha at 0); df/dalpha = min(x, 0)",
    kinks=(Kink(0.0, lambda p: p["alpha"], "as PyTorch's prelu backward"),),
    facts=Facts(
        range=lambda p: _slope_range(float(min(_as_floats(p["alpha"])))),
        monotonic=lambda p: min(_as_floats(p["alpha"])) >= 0,
        smoothness=0,
        zero_centred=True,
        saturates=(),
        uses=("image classification CNNs (ImageNet ResNets in the paper)",),
        pros=("learns the slope", "never dead"),
        cons=("extra parameters can overfit small data",),
        init="he",
    ),
    references=(
        Reference(
            "Delving deep into rectifiers: surpassing human-level performance on ImageNet "
            "classification",
            "He, Zhang, Ren, Sun",
            2015,
        ),
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.prelu",
            {"alpha": "weight"},
            tensors=("weight",),
            module="torch.nn.PReLU",
            note="weight is a tensor; actlab takes a scalar or an array",
        ),
        keras=Peer("keras.layers.PReLU", note="a layer only"),
    ),
)


def _as_floats(v: Any) -> list[float]:
    if isinstance(v, int | float):
        return [float(v)]
    return [float(a) for a in np.asarray(v.detach().cpu() if hasattr(v, "detach") else v).ravel()]


def _rrelu_slope(xp: ModuleType, x: Array, p: Params) -> Any:
    noise = p.get("_noise")
    return (p["lower"] + p["upper"]) / 2.0 if noise is None else noise


def _uniform_noise(xp: ModuleType, x: Array, p: Params, lo: float, hi: float) -> Array:
    return lo + (hi - lo) * draw(xp, x, p, "uniform")


def _rrelu_sample(xp: ModuleType, x: Array, p: Params) -> Array | None:
    if not p["training"]:
        return None
    return _uniform_noise(xp, x, p, p["lower"], p["upper"])


def _rrelu_validate(p: Params) -> None:
    if p["lower"] > p["upper"]:
        raise ValueError(
            f"rrelu: lower must be <= upper, got lower={p['lower']!r} > upper={p['upper']!r}"
        )
    if p["seed"] is not None and p["generator"] is not None:
        raise ValueError("rrelu: pass seed or generator, not both")
    if p["training"] and p["seed"] is None and p["generator"] is None:
        raise ValueError(
            "rrelu: training=True draws a random slope per element; pass seed=<int> or "
            "generator=<numpy.random.Generator | torch.Generator> so the draw is reproducible"
        )


_SEED = Param(
    "seed",
    None,
    "seed for the random draw (same seed, same noise)",
    type="seed",
    allowed="None or a non-negative int",
)
_GENERATOR = Param(
    "generator", None, "a numpy.random.Generator or torch.Generator to draw from", type="generator"
)

elementwise(
    name="rrelu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.rrelu([-2.0, 0.0, 1.5])\n"
        "array([-0.45833333,  0.        ,  1.5       ])\n"
        ">>> actlab.get('rrelu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.22916667, 0.22916667, 1.        ])"
    ),
    summary="Randomized leaky ReLU: in training the negative slope is drawn per element.",
    params=(
        Param("lower", 1.0 / 8.0, "the smallest random slope", allowed=">= 0", check=_nonneg),
        Param("upper", 1.0 / 3.0, "the largest random slope", allowed=">= 0", check=_nonneg),
        Param(
            "training", False, "draw slopes ~ U(lower, upper) (else use their mean)", type="bool"
        ),
        _SEED,
        _GENERATOR,
    ),
    forward=lambda xp, x, p: _leaky(xp, x, _rrelu_slope(xp, x, p)),
    derivative=lambda xp, x, p: _leaky_d(xp, x, _rrelu_slope(xp, x, p)),
    sample=_rrelu_sample,
    validate=_rrelu_validate,
    stochastic=True,
    latex=r"f(x) = \begin{cases} x & x \ge 0 \\ a x & x < 0 \end{cases},\ "
    r"a \sim U(l, u) \text{ (training)},\ a = \tfrac{l+u}{2} \text{ (eval)}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}",
    text="f(x) = x if x >= 0 else a * x, a ~ U(lower, upper) in training, (lower+upper)/2 in eval",
    derivative_text="f'(x) = 1 if x > 0 else a (a at 0), with the same a as the forward pass",
    kinks=(Kink(0.0, lambda p: (p["lower"] + p["upper"]) / 2, "as leaky_relu (eval mode)"),),
    facts=Facts(
        range=ALL_REAL,
        monotonic=True,
        smoothness=0,
        zero_centred=True,
        saturates=(),
        uses=("small-data image classification (regularising noise)",),
        pros=("never dead", "acts as a regulariser"),
        cons=("stochastic: training and eval differ",),
        init="he",
    ),
    references=(
        Reference(
            "Empirical evaluation of rectified activations in convolutional network",
            "Xu, Wang, Chen, Li",
            2015,
        ),
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.rrelu",
            {"lower": "lower", "upper": "upper", "training": "training"},
            module="torch.nn.RReLU",
            note="parity in eval mode; torch draws from its global RNG in training",
        ),
    ),
)


# ============================================================================ exponential units


def _elu(xp: ModuleType, x: Array, alpha: float) -> Array:
    return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, const(xp, x, 0.0))))


def _elu_d(xp: ModuleType, x: Array, alpha: float) -> Array:
    return xp.where(x > 0, const(xp, x, 1.0), alpha * xp.exp(xp.minimum(x, const(xp, x, 0.0))))


elementwise(
    name="elu",
    lean=("output", lambda xp, y, p: xp.where(y > 0, 1.0, y + p["alpha"]), None),
    example=(
        ">>> import actlab\n"
        ">>> actlab.elu([-2.0, 0.0, 1.5])\n"
        "array([-0.86466472,  0.        ,  1.5       ])\n"
        ">>> actlab.get('elu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.13533528, 1.        , 1.        ])"
    ),
    summary="Exponential linear unit: x for x > 0, α(eˣ − 1) below — smooth, negative, bounded.",
    params=(
        Param("alpha", 1.0, "the negative saturation value is −alpha", allowed="> 0", check=_pos),
    ),
    forward=lambda xp, x, p: _elu(xp, x, p["alpha"]),
    derivative=lambda xp, x, p: _elu_d(xp, x, p["alpha"]),
    latex=r"f(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}",
    text="f(x) = x if x > 0 else alpha * expm1(x)",
    derivative_text="f'(x) = 1 if x > 0 else alpha * exp(x)  (alpha at 0)",
    kinks=(Kink(0.0, lambda p: p["alpha"], "left derivative, as PyTorch and JAX"),),
    facts=Facts(
        range=lambda p: R(-p["alpha"], INF, False, False),
        monotonic=True,
        smoothness=1,
        zero_centred=True,
        saturates=("negative",),
        uses=("deep MLPs and CNNs without batch-norm",),
        pros=("mean activation closer to zero", "smooth for alpha = 1", "never dead"),
        cons=("exp costs more than relu",),
        init="he",
    ),
    references=(
        Reference(
            "Fast and accurate deep network learning by exponential linear units (ELUs)",
            "Clevert, Unterthiner, Hochreiter",
            2016,
        ),
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.elu", {"alpha": "alpha"}, module="torch.nn.ELU"),
        keras=Peer("keras.activations.elu", {"alpha": "alpha"}),
        jax=Peer("jax.nn.elu", {"alpha": "alpha"}),
    ),
)

#: SELU's constants to full digits (Klambauer et al. 2017, eq. 14), as the spec's record of them.
SELU_ALPHA = "1.6732632423543772848170429916717"
SELU_SCALE = "1.0507009873554804934193349852946"
_SA, _SL = float(SELU_ALPHA), float(SELU_SCALE)

elementwise(
    name="selu",
    lean=("output", lambda xp, y, p: xp.where(y > 0, _SL, y + _SL * _SA), None),
    torch_gain=lambda p: 0.75,
    example=(
        ">>> import actlab\n"
        ">>> actlab.selu([-2.0, 0.0, 1.5])\n"
        "array([-1.52016647,  0.        ,  1.57605148])\n"
        ">>> actlab.get('selu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.23793287, 1.75809934, 1.05070099])"
    ),
    summary="Scaled ELU with the constants that make a deep MLP self-normalising.",
    forward=lambda xp, x, p: _SL * _elu(xp, x, _SA),
    derivative=lambda xp, x, p: _SL * _elu_d(xp, x, _SA),
    latex=r"f(x) = \lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases},"
    r"\ \alpha \approx 1.6733,\ \lambda \approx 1.0507",
    derivative_latex=r"f'(x) = \lambda \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 "
    r"\end{cases}",
    text=f"f(x) = scale * (x if x > 0 else alpha * expm1(x)), alpha = {SELU_ALPHA}, "
    f"scale = {SELU_SCALE}",
    derivative_text="f'(x) = scale * (1 if x > 0 else alpha * exp(x))  (scale*alpha at 0)",
    kinks=(Kink(0.0, _SL * _SA, "left derivative, as PyTorch and JAX"),),
    facts=Facts(
        range=R(-_SL * _SA, INF, False, False),
        monotonic=True,
        smoothness=0,
        zero_centred=True,
        saturates=("negative",),
        uses=("self-normalising MLPs (LeCun-normal init, no batch-norm, alpha-dropout)",),
        pros=("keeps mean 0 and variance 1 through depth without normalisation layers",),
        cons=("the guarantee needs LeCun init and plain MLPs; breaks with batch-norm/dropout",),
        init="lecun",
    ),
    references=(
        Reference(
            "Self-normalizing neural networks",
            "Klambauer, Unterthiner, Mayr, Hochreiter",
            2017,
        ),
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.selu", module="torch.nn.SELU"),
        keras=Peer("keras.activations.selu"),
        jax=Peer("jax.nn.selu"),
    ),
)


def _celu_f(xp: ModuleType, x: Array, p: Params) -> Array:
    a = p["alpha"]
    zero = const(xp, x, 0.0)
    neg = a * xp.expm1(xp.minimum(x, zero) / a)
    return xp.maximum(x, zero) + xp.minimum(zero, neg)


def _celu_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return xp.where(x > 0, const(xp, x, 1.0), xp.exp(xp.minimum(x, const(xp, x, 0.0)) / p["alpha"]))


elementwise(
    name="celu",
    lean=("output", lambda xp, y, p: xp.where(y > 0, 1.0, y / p["alpha"] + 1.0), None),
    example=(
        ">>> import actlab\n"
        ">>> actlab.celu([-2.0, 0.0, 1.5])\n"
        "array([-0.86466472,  0.        ,  1.5       ])\n"
        ">>> actlab.get('celu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.13533528, 1.        , 1.        ])"
    ),
    summary="Continuously differentiable ELU: max(0, x) + min(0, α(e^{x/α} − 1)).",
    params=(
        Param("alpha", 1.0, "scale of the negative part", allowed="!= 0", check=lambda v: v != 0),
    ),
    forward=_celu_f,
    derivative=_celu_d,
    latex=r"f(x) = \max(0, x) + \min\left(0, \alpha\left(e^{x/\alpha} - 1\right)\right)",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0 \end{cases}",
    text="f(x) = max(0, x) + min(0, alpha * expm1(x / alpha))",
    derivative_text="f'(x) = 1 if x > 0 else exp(x / alpha)  (continuous: 1 at 0)",
    facts=Facts(
        range=lambda p: R(-p["alpha"], INF, False, False) if p["alpha"] > 0 else ALL_REAL,
        monotonic=True,
        smoothness=1,
        zero_centred=True,
        saturates=("negative",),
        uses=("as ELU, when alpha != 1 is wanted with a continuous derivative",),
        pros=("C1 for every alpha",),
        cons=("exp cost",),
        init="he",
    ),
    references=(Reference("Continuously differentiable exponential linear units", "Barron", 2017),),
    peers=Peers(
        torch=Peer("torch.nn.functional.celu", {"alpha": "alpha"}, module="torch.nn.CELU"),
        keras=Peer("keras.activations.celu", {"alpha": "alpha"}),
        jax=Peer("jax.nn.celu", {"alpha": "alpha"}),
    ),
)


# ============================================================================ smooth rectifiers

# 2·√(2/π) and 2·0.044715·√(2/π) as double-doubles (hi + lo), from mpmath at 50 digits.
_GT_A = (float.fromhex("0x1.9884533d43651p+0"), float.fromhex("-0x1.cbc0d30ebfd15p-54"))
_GT_B = (float.fromhex("0x1.2444f2a4d8b4bp-4"), float.fromhex("-0x1.6c843a29d1c70p-61"))
_GT_CLAMP = 1e3  # beyond this σ(2u) is exactly 0 or 1 in float64


def _gelu_tanh_arg(xp: ModuleType, x: Array) -> tuple[Array, Array]:
    """2u = 2√(2/π)(x + 0.044715x³) as a double-double (the constant is the decimal 0.044715)."""
    xc = clamp_abs(xp, finite(xp, x), _GT_CLAMP)
    x2h, x2l = two_prod(xc, xc)
    x3h, x3l0 = two_prod(x2h, xc)
    x3l = x3l0 + x2l * xc
    ah, al = dd_mul_const(xp, xc, *_GT_A)
    bh, bl = two_prod(x3h, _GT_B[0])
    bl = bl + x3h * _GT_B[1] + x3l * _GT_B[0]
    s, e = two_sum(ah, bh)
    return two_sum(s, e + al + bl)


def _gelu_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    if p["approximate"] == "tanh":
        h, lo = _gelu_tanh_arg(xp, x)
        y = sigmoid_dd(xp, h, lo, scale=xf)
    else:
        y = ndtr(xp, xf, scale=xf)
    return at_inf(xp, x, y, 0.0, INF)


def _gelu_d(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    if p["approximate"] == "tanh":
        h, lo = _gelu_tanh_arg(xp, x)
        xc = clamp_abs(xp, xf, _GT_CLAMP)
        du = _GT_A[0] + 3.0 * _GT_B[0] * xc * xc
        y = sigmoid_dd(xp, h, lo, scale=1.0 + xc * du * sigmoid(xp, -h))
        y = _near_root(xp, xf, 0.0, "gelu_tanh", y)
    else:
        # x < 0: Φ(x) + xφ(x) = exp(−x²/2)·(½·erfcx(−x/√2) + x/√(2π)), one exp, rounded once
        erfcx = special(xp, "erfcx")
        inner = 0.5 * erfcx(xp.abs(xf) * SQRT1_2) + xf * INV_SQRT_2PI
        left = exp_neg_sq(xp, xf, half=True, scale=inner)
        y = xp.where(xf < -1.0, left, ndtr(xp, xf) + xf * npdf(xp, xf))
        y = _near_root(xp, xf, 0.0, "gelu", y)
    return at_inf(xp, x, y, 0.0, 1.0)


_GELU_MIN = {"none": -0.16997120747990366, "tanh": -0.17004075057125405}

elementwise(
    name="gelu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.gelu([-2.0, 0.0, 1.5])\n"
        "array([-0.04550026,  0.        ,  1.3997892 ])\n"
        ">>> actlab.get('gelu').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.0852318 ,  0.5       ,  1.12746919])"
    ),
    summary="Gaussian error linear unit x·Φ(x) (or its tanh approximation): transformers' default.",
    params=(
        Param(
            "approximate",
            "none",
            '"none": exact x·Φ(x) (PyTorch\'s default); "tanh": the tanh form (JAX\'s default)',
            type="choice",
            choices=("none", "tanh"),
            allowed='"none" or "tanh"',
        ),
    ),
    forward=_gelu_f,
    derivative=_gelu_d,
    latex=r"f(x) = x\,\Phi(x) = \frac{x}{2}\left(1 + \operatorname{erf}\frac{x}{\sqrt 2}\right)"
    r"\ \text{or}\ \frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715 x^3)\right)\right)",
    derivative_latex=r"f'(x) = \Phi(x) + x\,\varphi(x)",
    text='f(x) = x * Phi(x); approximate="tanh": 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))',
    derivative_text="f'(x) = Phi(x) + x * phi(x) (tanh form: its exact derivative)",
    facts=Facts(
        range=lambda p: R(_GELU_MIN[p["approximate"]], INF, True, False),
        monotonic=False,
        smoothness=INF,
        zero_centred=True,
        saturates=("negative",),
        uses=("transformers (BERT, GPT)", "NLP", "diffusion models", "very deep nets"),
        pros=("smooth, non-monotonic bump helps optimisation", "standard in transformers"),
        cons=("costlier than relu", "two variants differ by up to 4.7e-4"),
        init="he",
    ),
    references=(Reference("Gaussian error linear units (GELUs)", "Hendrycks, Gimpel", 2016),),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.gelu", {"approximate": "approximate"}, module="torch.nn.GELU"
        ),
        keras=Peer(
            "keras.activations.gelu",
            {"approximate": "approximate"},
            values={"approximate": {"none": False, "tanh": True}},
        ),
        jax=Peer(
            "jax.nn.gelu",
            {"approximate": "approximate"},
            values={"approximate": {"none": False, "tanh": True}},
            note="JAX's default is the tanh form",
        ),
    ),
)

_SILU_MIN = -0.2784645427610738  # min of x·σ(x), at x ≈ −1.27846


def _silu_parts(xp: ModuleType, x: Array, beta: float) -> tuple[Array, Array, Array]:
    """(x with inf → 0, σ(βx), σ(−βx)) with βx carried exactly."""
    xf = finite(xp, x)
    h, lo = _mul_dd(xp, beta, xf)
    return xf, sigmoid_dd(xp, h, lo), sigmoid_dd(xp, -h, -lo)


def _silu_inf(beta: float) -> tuple[float, float, float, float]:
    """f(−inf), f(+inf), f'(−inf), f'(+inf)."""
    if beta > 0:
        return 0.0, INF, 0.0, 1.0
    if beta < 0:
        return -INF, 0.0, 1.0, 0.0
    return -INF, INF, 0.5, 0.5


def _silu_f(xp: ModuleType, x: Array, p: Params) -> Array:
    b = p["beta"]
    if not isinstance(b, float):
        return _silu_f_array(xp, x, b)
    xf = finite(xp, x)
    h, h_lo = _mul_dd(xp, b, xf)
    lo, hi, _, _ = _silu_inf(b)
    return at_inf(xp, x, sigmoid_dd(xp, h, h_lo, scale=xf), lo, hi)


def _silu_d(xp: ModuleType, x: Array, p: Params) -> Array:
    b = p["beta"]
    if not isinstance(b, float):
        return _silu_d_array(xp, x, b)
    xf, s, sm = _silu_parts(xp, x, b)
    _, _, lo, hi = _silu_inf(b)
    t, t_lo = _mul_dd(xp, b, xf)  # f'(x) = g(βx), g(t) = σ(t)(1 + tσ(−t)), root t0 ≈ −1.2785
    y = _near_root(xp, t, t_lo, "silu", s + (b * s) * (xf * sm))
    return at_inf(xp, x, y, lo, hi)


def _silu_f_array(xp: ModuleType, x: Array, b: Array) -> Array:
    xf = finite(xp, x)
    y = xf * sigmoid(xp, b * xf)
    pos_lim = xp.where(b >= 0, const(xp, x, INF), const(xp, x, 0.0))
    neg_lim = xp.where(b > 0, const(xp, x, 0.0), const(xp, x, -INF))
    y = xp.where(x == INF, pos_lim + 0 * y, y)
    return xp.where(x == -INF, neg_lim + 0 * y, y)


def _silu_d_array(xp: ModuleType, x: Array, b: Array) -> Array:
    xf = finite(xp, x)
    s = sigmoid(xp, b * xf)
    y = s * (1.0 + b * xf * sigmoid(xp, -b * xf))
    sb = xp.sign(b) + 0 * y
    y = xp.where(x == INF, (1.0 + sb) / 2.0, y)
    return xp.where(x == -INF, (1.0 - sb) / 2.0, y)


def _silu_vjp(xp: ModuleType, x: Array, g: Array, p: Params) -> dict[str, Array]:
    b = p["beta"]
    xf = finite(xp, x)
    # ∂f/∂β = x²·σ(βx)σ(−βx), written (x·σ')·x so that no x² overflows.
    d = (xf * dsigmoid(xp, b * xf)) * xf
    if isinstance(b, float):
        limit = const(xp, x, INF if b == 0 else 0.0)
    else:
        limit = xp.where(b == 0, const(xp, x, INF), const(xp, x, 0.0))
    d = xp.where(xp.isinf(x), limit + 0 * d, d)
    return {"beta": sum_to(xp, g * d, b)}


def _silu_range(p: Params) -> Range:
    b = float(min(_as_floats(p["beta"])))
    if b > 0:
        return R(_SILU_MIN / b, INF, True, False)
    if b < 0:
        return R(-INF, _SILU_MIN / b, False, True)
    return ALL_REAL


elementwise(
    name="silu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.silu([-2.0, 0.0, 1.5])\n"
        "array([-0.23840584,  0.        ,  1.22636171])\n"
        ">>> actlab.get('silu').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.09078425,  0.5       ,  1.04129415])"
    ),
    aliases=("swish",),
    summary="Sigmoid-weighted linear unit x·σ(βx) (swish); β = 1 is SiLU.",
    params=(Param("beta", 1.0, "the sharpness β (learnable as a module)", learnable=True),),
    forward=_silu_f,
    derivative=_silu_d,
    param_vjp=_silu_vjp,
    latex=r"f(x) = x\,\sigma(\beta x)",
    derivative_latex=r"f'(x) = \sigma(\beta x)\left(1 + \beta x\,\sigma(-\beta x)\right),"
    r"\quad \frac{\partial f}{\partial \beta} = x^2 \sigma(\beta x)\sigma(-\beta x)",
    text="f(x) = x * sigmoid(beta * x)",
    derivative_text="f'(x) = sigmoid(beta x) * (1 + beta x * sigmoid(-beta x))",
    facts=Facts(
        range=_silu_range,
        monotonic=lambda p: min(_as_floats(p["beta"])) == 0 == max(_as_floats(p["beta"])),
        smoothness=INF,
        zero_centred=True,
        saturates=("negative",),
        uses=("deep CNNs (EfficientNet)", "diffusion U-Nets", "very deep nets"),
        pros=("smooth and non-monotonic", "often beats relu in deep nets"),
        cons=("costlier than relu",),
        init="he",
    ),
    references=(
        Reference(
            "Sigmoid-weighted linear units for neural network function approximation in "
            "reinforcement learning",
            "Elfwing, Uchibe, Doya",
            2018,
        ),
        Reference("Searching for activation functions", "Ramachandran, Zoph, Le", 2017),
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.silu", module="torch.nn.SiLU", note="beta must be 1"),
        keras=Peer("keras.activations.silu", note="beta must be 1"),
        jax=Peer("jax.nn.silu", note="beta must be 1"),
    ),
)


def _mish_ratio(xp: ModuleType, x: Array) -> tuple[Array, Array]:
    """tanh(softplus(x)) and sech²(softplus(x)), from e = exp(−|x|) with no cancellation.

    With n = eˣ(eˣ + 2): tanh(softplus x) = n/(n + 2) and sech² = 4(n + 1)/(n + 2)².
    For x > 0 the same is written in e = e^−x: n + 2 = (1 + 2e + 2e²)/e².
    """
    e = xp.exp(-xp.abs(x))
    pos = x > 0
    # x ≤ 0: n = e(e+2); x > 0: scaled by e²: n·e² = 1 + 2e, (n+2)·e² = 1 + 2e + 2e²
    num = xp.where(pos, 1.0 + 2.0 * e, e * (e + 2.0))
    den = xp.where(pos, 1.0 + 2.0 * e + 2.0 * e * e, e * (e + 2.0) + 2.0)
    t = num / den
    # sech² = 4(n+1)/(n+2)²; x > 0: 4(n+1)e⁴/((n+2)e²)² = 4e²(1 + 2e + e²)/den²
    ratio = 2.0 / den
    sech2 = xp.where(pos, 4.0 * (e * (1.0 + e)) ** 2 / (den * den), ratio * ratio * (num + 1.0))
    return t, sech2


def _mish_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    t, _ = _mish_ratio(xp, xf)
    return at_inf(xp, x, xf * t, 0.0, INF)


def _mish_d(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    t, sech2 = _mish_ratio(xp, xf)
    y = _near_root(xp, xf, 0.0, "mish", t + xf * sech2 * sigmoid(xp, xf))
    return at_inf(xp, x, y, 0.0, 1.0)


elementwise(
    name="mish",
    example=(
        ">>> import actlab\n"
        ">>> actlab.mish([-2.0, 0.0, 1.5])\n"
        "array([-0.25250148,  0.        ,  1.40337827])\n"
        ">>> actlab.get('mish').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.10835509,  0.6       ,  1.08848799])"
    ),
    summary="x·tanh(softplus(x)): a smooth, self-regularised, non-monotonic rectifier.",
    forward=_mish_f,
    derivative=_mish_d,
    latex=r"f(x) = x \tanh(\operatorname{softplus}(x))",
    derivative_latex=r"f'(x) = \tanh(\operatorname{sp}(x)) + x\,\operatorname{sech}^2("
    r"\operatorname{sp}(x))\,\sigma(x)",
    text="f(x) = x * tanh(log(1 + exp(x)))",
    derivative_text="f'(x) = tanh(sp(x)) + x * sech(sp(x))^2 * sigmoid(x), sp = softplus",
    facts=Facts(
        range=R(-0.3088434130172504, INF, True, False),
        monotonic=False,
        smoothness=INF,
        zero_centred=True,
        saturates=("negative",),
        uses=("object detection (YOLOv4)", "image classification"),
        pros=("smooth", "small accuracy gains reported over relu and swish"),
        cons=("the costliest of the common rectifiers",),
        init="he",
    ),
    references=(
        Reference("Mish: a self regularized non-monotonic activation function", "Misra", 2019),
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.mish", module="torch.nn.Mish"),
        keras=Peer("keras.activations.mish"),
        jax=Peer("jax.nn.mish"),
    ),
)


def _softplus_f(xp: ModuleType, x: Array, p: Params) -> Array:
    # log(1 + e^(βx))/β = max(x, 0) + [log1p(e^−|h|) + lo·(σ(h) − [h > 0])]/β, h + lo = βx:
    # max(x, 0) is taken from x itself, so nothing overflows where βx does.
    b = p["beta"]
    xf = finite(xp, x)
    h, lo = _mul_dd(xp, b, xf)
    corr = lo * xp.where(h > 0, -sigmoid(xp, -h), sigmoid(xp, h))
    y = xp.maximum(xf, const(xp, x, 0.0)) + (xp.log1p(xp.exp(-xp.abs(h))) + corr) / b
    y = at_inf(xp, x, y, 0.0, INF)
    if p["threshold"] is not None:
        y = xp.where(b * x > p["threshold"], x, y)
    return y


def _softplus_d(xp: ModuleType, x: Array, p: Params) -> Array:
    h, lo = _mul_dd(xp, p["beta"], finite(xp, x))
    y = at_inf(xp, x, sigmoid_dd(xp, h, lo), 0.0, 1.0)
    if p["threshold"] is not None:
        y = xp.where(p["beta"] * x > p["threshold"], const(xp, x, 1.0), y)
    return y


elementwise(
    name="softplus",
    example=(
        ">>> import actlab\n"
        ">>> actlab.softplus([-2.0, 0.0, 1.5])\n"
        "array([0.12692801, 0.69314718, 1.70141328])\n"
        ">>> actlab.get('softplus').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.11920292, 0.5       , 0.81757448])"
    ),
    summary="log(1 + e^{βx})/β: a smooth ReLU, always positive; its derivative is σ(βx).",
    params=(
        Param("beta", 1.0, "sharpness β", allowed="> 0", check=_pos),
        Param(
            "threshold",
            None,
            "None (default): the exact, stable form everywhere. A number t reproduces "
            "PyTorch, which returns x itself where βx > t (PyTorch's default t = 20)",
            type="real?",
        ),
    ),
    forward=_softplus_f,
    derivative=_softplus_d,
    latex=r"f(x) = \frac{1}{\beta}\log\left(1 + e^{\beta x}\right)",
    derivative_latex=r"f'(x) = \sigma(\beta x)",
    text="f(x) = (max(bx, 0) + log1p(exp(-|bx|))) / b, b = beta",
    derivative_text="f'(x) = sigmoid(beta * x)",
    facts=Facts(
        range=R(0.0, INF, False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative",),
        uses=("positive outputs: variances, rates, counts", "smooth relu replacement"),
        pros=("smooth", "strictly positive"),
        cons=("not zero-centred", "costlier than relu"),
        init="he",
    ),
    references=(
        Reference(
            "Incorporating second-order functional knowledge for better option pricing",
            "Dugas, Bengio, Bélisle, Nadeau, Garcia",
            2001,
        ),
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.softplus",
            {"beta": "beta", "threshold": "threshold"},
            values={"threshold": {None: 1e300}},
            module="torch.nn.Softplus",
            note="torch's default threshold=20 switches to x above 20/beta; actlab's None is exact",
        ),
        keras=Peer("keras.activations.softplus", note="beta must be 1"),
        jax=Peer("jax.nn.softplus", note="beta must be 1"),
    ),
)


def _squareplus_parts(xp: ModuleType, x: Array, b: float) -> Array:
    return hypot(xp, finite(xp, x), math.sqrt(b))


def _squareplus_f(xp: ModuleType, x: Array, p: Params) -> Array:
    b = p["b"]
    s = _squareplus_parts(xp, x, b)
    xf = finite(xp, x)
    neg = x < 0
    # x + s = b/(s − x) for x < 0; halves first so that nothing overflows at ±max
    den = xp.where(neg, s / 2.0 - xf / 2.0, const(xp, x, 1.0))
    y = xp.where(neg, (b / 4.0) / den, xf / 2.0 + s / 2.0)
    return keep_nan(xp, x, at_inf(xp, x, y, 0.0, INF))


def _squareplus_d(xp: ModuleType, x: Array, p: Params) -> Array:
    b = p["b"]
    s = _squareplus_parts(xp, x, b)
    xf = finite(xp, x)
    one = const(xp, x, 1.0)
    safe_s = xp.where(s > 0, s, one)
    # (1 + x/s)/2 = b/(2s(s − x)) for x < 0 and 1 − b/(2s(s + x)) for x ≥ 0: no cancellation.
    other = xp.where(x < 0, safe_s - xf, safe_s + xf)
    other = xp.where(other > 0, other, one)
    q = (b / (2.0 * safe_s)) / other  # b/(2s(s ∓ x)), formed without overflow
    y = xp.where(x < 0, q, 1.0 - q)
    y = xp.where(s > 0, y, const(xp, x, 0.5))  # b = 0, x = 0: the kink of (x + |x|)/2
    return keep_nan(xp, x, at_inf(xp, x, y, 0.0, 1.0))


elementwise(
    name="squareplus",
    example=(
        ">>> import actlab\n"
        ">>> actlab.squareplus([-2.0, 0.0, 1.5])\n"
        "array([0.41421356, 1.        , 2.        ])\n"
        ">>> actlab.get('squareplus').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.14644661, 0.5       , 0.8       ])"
    ),
    summary="(x + √(x² + b))/2: an algebraic softplus, no exp or log.",
    params=(Param("b", 4.0, "curvature near 0 (b = 0 is relu)", allowed=">= 0", check=_nonneg),),
    forward=_squareplus_f,
    derivative=_squareplus_d,
    latex=r"f(x) = \frac{x + \sqrt{x^2 + b}}{2}",
    derivative_latex=r"f'(x) = \frac{1}{2}\left(1 + \frac{x}{\sqrt{x^2 + b}}\right)",
    text="f(x) = (x + sqrt(x^2 + b)) / 2",
    derivative_text="f'(x) = (1 + x / sqrt(x^2 + b)) / 2  (1/2 at 0 when b = 0)",
    facts=Facts(
        range=lambda p: R(0.0, INF, p["b"] == 0, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative",),
        uses=("softplus replacement where exp is slow",),
        pros=("only sqrt: fast on any hardware", "smooth"),
        cons=("approaches 0 only like b/(4|x|)",),
        init="he",
    ),
    references=(Reference("Squareplus: a softplus-like algebraic rectifier", "Barron", 2021),),
    peers=Peers(
        keras=Peer("keras.activations.squareplus", {"b": "b"}),
        jax=Peer("jax.nn.squareplus", {"b": "b"}),
    ),
)


# =============================================================== hard (piecewise-linear) family


def _clip(xp: ModuleType, x: Array, lo: float, hi: float) -> Array:
    return keep_nan(xp, x, xp.clip(x, lo, hi))


def _inside(xp: ModuleType, x: Array, lo: float, hi: float, value: float) -> Array:
    """value on the open interval (lo, hi), 0 outside and at its ends; NaN kept."""
    y = xp.where((x > lo) & (x < hi), const(xp, x, value), const(xp, x, 0.0))
    return keep_nan(xp, x, y)


def _interval(lo: Any, hi: Any, value: float) -> dict[str, Any]:
    """f' = value on the open interval (lo, hi) and 0 elsewhere, declared once: the spec's
    derivative and its lean backward (a boolean mask). lo/hi: numbers or functions of p."""

    def bound(v: Any, p: Params) -> float:
        return float(v(p) if callable(v) else v)

    return {
        "derivative": lambda xp, x, p: _inside(xp, x, bound(lo, p), bound(hi, p), value),
        "lean": (
            "mask",
            lambda xp, x, p: (x > bound(lo, p)) & (x < bound(hi, p)),
            lambda xp, m, p: xp.astype(m, xp.float64) * value,
        ),
    }


elementwise(
    name="relu6",
    example=(
        ">>> import actlab\n"
        ">>> actlab.relu6([-2.0, 0.0, 1.5])\n"
        "array([0. , 0. , 1.5])\n"
        ">>> actlab.get('relu6').derivative([-2.0, 0.0, 1.5])\n"
        "array([0., 0., 1.])"
    ),
    summary="ReLU capped at 6: min(max(x, 0), 6) (mobile networks, quantisation-friendly).",
    forward=lambda xp, x, p: _clip(xp, x, 0.0, 6.0),
    **_interval(0.0, 6.0, 1.0),
    latex=r"f(x) = \min(\max(x, 0), 6)",
    derivative_latex=r"f'(x) = \begin{cases} 1 & 0 < x < 6 \\ 0 & \text{otherwise} \end{cases}",
    text="f(x) = min(max(x, 0), 6)",
    derivative_text="f'(x) = 1 if 0 < x < 6 else 0  (0 at both kinks)",
    kinks=(Kink(0.0, 0.0, "as PyTorch"), Kink(6.0, 0.0, "as PyTorch")),
    facts=Facts(
        range=R(0.0, 6.0, True, True),
        monotonic=True,
        smoothness=0,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("MobileNet v1/v2", "low-precision inference"),
        pros=("bounded: robust to fixed-point quantisation",),
        cons=("dead below 0 and above 6",),
        init="he",
    ),
    references=(Reference("Convolutional deep belief networks on CIFAR-10", "Krizhevsky", 2010),),
    peers=Peers(
        torch=Peer("torch.nn.functional.relu6", module="torch.nn.ReLU6"),
        keras=Peer("keras.activations.relu6"),
        jax=Peer("jax.nn.relu6"),
    ),
)


def _hardtanh_validate(p: Params) -> None:
    if p["min_val"] > p["max_val"]:
        raise ValueError(
            f"hardtanh: min_val must be <= max_val, got min_val={p['min_val']!r} > "
            f"max_val={p['max_val']!r}"
        )


elementwise(
    name="hardtanh",
    example=(
        ">>> import actlab\n"
        ">>> actlab.hardtanh([-2.0, 0.0, 1.5])\n"
        "array([-1.,  0.,  1.])\n"
        ">>> actlab.get('hardtanh').derivative([-2.0, 0.0, 1.5])\n"
        "array([0., 1., 0.])"
    ),
    aliases=("hard_tanh",),
    summary="tanh made piecewise linear: x clipped to [min_val, max_val].",
    params=(
        Param("min_val", -1.0, "the lower clip value"),
        Param("max_val", 1.0, "the upper clip value (>= min_val)"),
    ),
    validate=_hardtanh_validate,
    forward=lambda xp, x, p: _clip(xp, x, p["min_val"], p["max_val"]),
    **_interval(lambda p: p["min_val"], lambda p: p["max_val"], 1.0),
    latex=r"f(x) = \min(\max(x, a), b)",
    derivative_latex=r"f'(x) = \begin{cases} 1 & a < x < b \\ 0 & \text{otherwise} \end{cases}",
    text="f(x) = min(max(x, min_val), max_val)",
    derivative_text="f'(x) = 1 if min_val < x < max_val else 0  (0 at the kinks, as PyTorch)",
    kinks=(
        Kink(lambda p: p["min_val"], 0.0, "as PyTorch"),
        Kink(lambda p: p["max_val"], 0.0, "as PyTorch"),
    ),
    facts=Facts(
        range=lambda p: R(p["min_val"], p["max_val"], True, True),
        monotonic=True,
        smoothness=0,
        zero_centred=True,
        saturates=("negative", "positive"),
        uses=("cheap tanh replacement", "bounded outputs"),
        pros=("cheap", "zero-centred"),
        cons=("zero gradient outside the interval",),
        init="xavier",
    ),
    references=(Reference("Large scale machine learning (PhD thesis)", "Collobert", 2004),),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.hardtanh",
            {"min_val": "min_val", "max_val": "max_val"},
            module="torch.nn.Hardtanh",
        ),
        keras=Peer("keras.activations.hard_tanh", note="fixed interval [-1, 1]"),
        jax=Peer(
            "jax.nn.hard_tanh",
            grad_differs_at=(-1.0, 1.0),
            note="fixed interval [-1, 1]; JAX's autograd gives 1 at ±1",
        ),
    ),
)


def _hsig(xp: ModuleType, x: Array) -> Array:
    # (x + 3)/6: x + 3 is exact near −3 (Sterbenz), so the lower end has no cancellation.
    return _clip(xp, (x + 3.0) / 6.0, 0.0, 1.0)


elementwise(
    name="hard_sigmoid",
    example=(
        ">>> import actlab\n"
        ">>> actlab.hard_sigmoid([-2.0, 0.0, 1.5])\n"
        "array([0.16666667, 0.5       , 0.75      ])\n"
        ">>> actlab.get('hard_sigmoid').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.16666667, 0.16666667, 0.16666667])"
    ),
    aliases=("hardsigmoid",),
    summary="relu6(x + 3)/6: a piecewise-linear sigmoid (MobileNetV3).",
    forward=lambda xp, x, p: _hsig(xp, x),
    **_interval(-3.0, 3.0, 1.0 / 6.0),
    latex=r"f(x) = \frac{\operatorname{relu6}(x + 3)}{6}",
    derivative_latex=r"f'(x) = \begin{cases} 1/6 & -3 < x < 3 \\ 0 & \text{otherwise} "
    r"\end{cases}",
    text="f(x) = min(max(x + 3, 0), 6) / 6",
    derivative_text="f'(x) = 1/6 if -3 < x < 3 else 0  (0 at ±3)",
    kinks=(Kink(-3.0, 0.0, "as PyTorch"), Kink(3.0, 0.0, "as PyTorch")),
    facts=Facts(
        range=R(0.0, 1.0, True, True),
        monotonic=True,
        smoothness=0,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("gates in mobile networks (squeeze-and-excitation)",),
        pros=("no exp",),
        cons=("zero gradient outside (−3, 3)",),
        init="xavier",
    ),
    references=(Reference("Searching for MobileNetV3", "Howard et al.", 2019),),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.hardsigmoid",
            module="torch.nn.Hardsigmoid",
            grad_rtol=1e-7,
            note="torch's float64 gradient uses 1/6 rounded to float32 (3e-8 off)",
        ),
        keras=Peer(
            "keras.activations.hard_sigmoid",
            note="Keras 3 uses relu6(x+3)/6; Keras 2's clip(0.2x + 0.5, 0, 1) is another function",
        ),
        jax=Peer("jax.nn.hard_sigmoid"),
    ),
)


def _hswish_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    return at_inf(xp, x, xf * _hsig(xp, xf), 0.0, INF)


def _hswish_d(xp: ModuleType, x: Array, p: Params) -> Array:
    mid = (2.0 * x + 3.0) / 6.0
    y = xp.where(x >= 3.0, const(xp, x, 1.0), xp.where(x > -3.0, mid, const(xp, x, 0.0)))
    return keep_nan(xp, x, y)


elementwise(
    name="hard_swish",
    example=(
        ">>> import actlab\n"
        ">>> actlab.hard_swish([-2.0, 0.0, 1.5])\n"
        "array([-0.33333333,  0.        ,  1.125     ])\n"
        ">>> actlab.get('hard_swish').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.16666667,  0.5       ,  1.        ])"
    ),
    aliases=("hardswish", "hard_silu"),
    summary="x·hard_sigmoid(x): a piecewise-polynomial swish (MobileNetV3).",
    forward=_hswish_f,
    derivative=_hswish_d,
    latex=r"f(x) = x\,\frac{\operatorname{relu6}(x + 3)}{6}",
    derivative_latex=r"f'(x) = \begin{cases} 0 & x \le -3 \\ (2x + 3)/6 & -3 < x < 3 \\ 1 & x "
    r"\ge 3 \end{cases}",
    text="f(x) = x * min(max(x + 3, 0), 6) / 6",
    derivative_text="f'(x) = 0 if x <= -3, (2x + 3)/6 if -3 < x < 3, 1 if x >= 3",
    kinks=(
        Kink(-3.0, 0.0, "the value of the flat side (older PyTorch gave −0.5, a bug)"),
        Kink(3.0, 1.0, "the value of the linear side (older PyTorch gave 1.5, a bug)"),
    ),
    facts=Facts(
        range=R(-0.375, INF, True, False),
        monotonic=False,
        smoothness=0,
        zero_centred=True,
        saturates=("negative",),
        uses=("mobile CNNs (MobileNetV3)",),
        pros=("swish-like accuracy without exp",),
        cons=("kinks at ±3",),
        init="he",
    ),
    references=(Reference("Searching for MobileNetV3", "Howard et al.", 2019),),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.hardswish",
            module="torch.nn.Hardswish",
            note="PyTorch < 2.x gave −0.5 at −3 and 1.5 at 3 (a bug); 2.13 agrees with actlab",
        ),
        keras=Peer("keras.activations.hard_silu"),
        jax=Peer("jax.nn.hard_silu"),
    ),
)


def _sparse_sigmoid_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return _clip(xp, (x + 1.0) / 2.0, 0.0, 1.0)


elementwise(
    name="sparse_sigmoid",
    example=(
        ">>> import actlab\n"
        ">>> actlab.sparse_sigmoid([-2.0, 0.0, 1.5])\n"
        "array([0. , 0.5, 1. ])\n"
        ">>> actlab.get('sparse_sigmoid').derivative([-2.0, 0.0, 1.5])\n"
        "array([0. , 0.5, 0. ])"
    ),
    summary="clip((x + 1)/2, 0, 1): the sparsemax of [x, 0]; exactly 0 or 1 outside (−1, 1).",
    forward=_sparse_sigmoid_f,
    **_interval(-1.0, 1.0, 0.5),
    latex=r"f(x) = \begin{cases} 0 & x \le -1 \\ (x + 1)/2 & -1 < x < 1 \\ 1 & x \ge 1 "
    r"\end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1/2 & -1 < x < 1 \\ 0 & \text{otherwise} "
    r"\end{cases}",
    text="f(x) = min(max((x + 1)/2, 0), 1)",
    derivative_text="f'(x) = 1/2 if -1 < x < 1 else 0  (0 at ±1)",
    kinks=(Kink(-1.0, 0.0, "the flat side"), Kink(1.0, 0.0, "the flat side")),
    facts=Facts(
        range=R(0.0, 1.0, True, True),
        monotonic=True,
        smoothness=0,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("sparse binary gates", "sparse attention"),
        pros=("exact zeros and ones",),
        cons=("zero gradient outside (−1, 1)",),
        init="xavier",
    ),
    references=(
        Reference("Learning with Fenchel-Young losses", "Blondel, Martins, Niculae", 2020),
    ),
    peers=Peers(
        keras=Peer("keras.activations.sparse_sigmoid"),
        jax=Peer(
            "jax.nn.sparse_sigmoid",
            grad_differs_at=(-1.0, 1.0),
            note="JAX's autograd gives 1/4 at ±1 (half of each side of its clip)",
        ),
    ),
)


def _sparse_plus_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xc = xp.clip(x, -1.0, 1.0)
    mid = (xc + 1.0) * (xc + 1.0) / 4.0
    y = xp.where(x >= 1.0, x, xp.where(x > -1.0, mid, const(xp, x, 0.0)))
    return keep_nan(xp, x, y)


elementwise(
    name="sparse_plus",
    example=(
        ">>> import actlab\n"
        ">>> actlab.sparse_plus([-2.0, 0.0, 1.5])\n"
        "array([0.  , 0.25, 1.5 ])\n"
        ">>> actlab.get('sparse_plus').derivative([-2.0, 0.0, 1.5])\n"
        "array([0. , 0.5, 1. ])"
    ),
    summary="The integral of sparse_sigmoid: 0, (x + 1)²/4, x — a C¹ ReLU with exact zeros.",
    forward=_sparse_plus_f,
    derivative=_sparse_sigmoid_f,  # d sparse_plus = sparse_sigmoid: the same function
    latex=r"f(x) = \begin{cases} 0 & x \le -1 \\ (x + 1)^2/4 & -1 < x < 1 \\ x & x \ge 1 "
    r"\end{cases}",
    derivative_latex=r"f'(x) = \operatorname{sparse\_sigmoid}(x)",
    text="f(x) = 0 if x <= -1, (x + 1)^2 / 4 if -1 < x < 1, x if x >= 1",
    derivative_text="f'(x) = sparse_sigmoid(x)",
    facts=Facts(
        range=R(0.0, INF, True, False),
        monotonic=True,
        smoothness=1,
        zero_centred=False,
        saturates=("negative",),
        uses=("smooth-ish rectifier with exact zeros",),
        pros=("C1", "exactly 0 for x <= -1"),
        cons=("dead below −1",),
        init="he",
    ),
    references=(
        Reference("Learning with Fenchel-Young losses", "Blondel, Martins, Niculae", 2020),
    ),
    peers=Peers(
        keras=Peer("keras.activations.sparse_plus"),
        jax=Peer("jax.nn.sparse_plus"),
    ),
)


# ===================================================================== shrinkage and thresholds


@functools.cache
def _tanhshrink_coeffs(n: int = 48) -> tuple[float, ...]:
    """Taylor coefficients c_k of x − tanh x = Σ c_k x^(2k+1), k ≥ 1, from Bernoulli numbers."""
    # Bernoulli numbers B_0..B_2n by the Akiyama–Tanigawa algorithm (exact fractions).
    m = 2 * n + 2
    a = [Fraction(0)] * (m + 1)
    bern = []
    for i in range(m + 1):
        a[i] = Fraction(1, i + 1)
        for j in range(i, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        bern.append(a[0])  # B_1 = +1/2 in this convention; only even indices are used
    out = []
    for k in range(1, n + 1):  # tanh x = Σ_{j≥1} 2^{2j}(2^{2j} − 1) B_{2j} x^{2j−1}/(2j)!
        j = k + 1
        c = Fraction(2 ** (2 * j) * (2 ** (2 * j) - 1)) * bern[2 * j] / math.factorial(2 * j)
        out.append(float(-c))  # the coefficient of x^(2j−1) = x^(2k+1) in x − tanh x
    return tuple(out)


def _tanhshrink_f(xp: ModuleType, x: Array, p: Params) -> Array:
    small = xp.abs(x) < 1.0
    xs = xp.where(small, x, const(xp, x, 0.0))
    z = xs * xs
    acc = xp.zeros_like(x)
    for c in reversed(_tanhshrink_coeffs()):
        acc = acc * z + c
    series = acc * z * xs
    return xp.where(small, series, x - xp.tanh(x))


elementwise(
    name="tanhshrink",
    example=(
        ">>> import actlab\n"
        ">>> actlab.tanhshrink([-2.0, 0.0, 1.5])\n"
        "array([-1.03597242,  0.        ,  0.59485175])\n"
        ">>> actlab.get('tanhshrink').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.92934918, 0.        , 0.81929336])"
    ),
    aliases=("tanh_shrink",),
    summary="x − tanh(x): near 0 like x³/3, linear far out (shrinks small values).",
    forward=_tanhshrink_f,
    derivative=lambda xp, x, p: xp.tanh(x) ** 2,
    latex=r"f(x) = x - \tanh x",
    derivative_latex=r"f'(x) = \tanh^2 x",
    text="f(x) = x - tanh(x)  (a Taylor series for |x| < 1: no cancellation)",
    derivative_text="f'(x) = tanh(x)^2",
    facts=Facts(
        range=ALL_REAL,
        monotonic=True,
        smoothness=INF,
        zero_centred=True,
        saturates=(),
        uses=("sparse coding", "denoising"),
        pros=("smooth shrinkage",),
        cons=("flat (vanishing gradient) near 0",),
        init="xavier",
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.tanhshrink", module="torch.nn.Tanhshrink"),
        keras=Peer("keras.activations.tanh_shrink"),
    ),
)


def _softshrink_f(xp: ModuleType, x: Array, p: Params) -> Array:
    lam = p["lambd"]
    zero = const(xp, x, 0.0)
    y = xp.where(x > lam, x - lam, xp.where(x < -lam, x + lam, zero))
    return keep_nan(xp, x, y)


def _outside(xp: ModuleType, x: Array, p: Params) -> Array:
    """|x| > λ: where a shrinkage function passes x through (slope 1)."""
    return xp.abs(x) > p["lambd"]


def _shrink_d(xp: ModuleType, x: Array, p: Params) -> Array:
    y = xp.where(_outside(xp, x, p), const(xp, x, 1.0), const(xp, x, 0.0))
    return keep_nan(xp, x, y)


# softshrink and hardshrink share f' (1 outside [−λ, λ], 0 inside) and its lean mask
_SHRINK_GRAD: dict[str, Any] = {
    "derivative": _shrink_d,
    "lean": ("mask", _outside, lambda xp, m, p: xp.astype(m, xp.float64)),
}


_LAMBD = Param("lambd", 0.5, "half-width λ of the dead zone [−λ, λ]", allowed=">= 0", check=_nonneg)

elementwise(
    name="softshrink",
    **_SHRINK_GRAD,
    example=(
        ">>> import actlab\n"
        ">>> actlab.softshrink([-2.0, 0.0, 1.5])\n"
        "array([-1.5,  0. ,  1. ])\n"
        ">>> actlab.get('softshrink').derivative([-2.0, 0.0, 1.5])\n"
        "array([1., 0., 1.])"
    ),
    aliases=("soft_shrink",),
    summary="Soft thresholding: moves x towards 0 by λ, zero inside [−λ, λ].",
    params=(_LAMBD,),
    forward=_softshrink_f,
    latex=r"f(x) = \begin{cases} x - \lambda & x > \lambda \\ x + \lambda & x < -\lambda \\ 0 & "
    r"\text{otherwise} \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & |x| > \lambda \\ 0 & |x| \le \lambda "
    r"\end{cases}",
    text="f(x) = x - lambd if x > lambd, x + lambd if x < -lambd, else 0",
    derivative_text="f'(x) = 1 if |x| > lambd else 0  (0 at ±lambd, as PyTorch)",
    kinks=(
        Kink(lambda p: -p["lambd"], 0.0, "as PyTorch"),
        Kink(lambda p: p["lambd"], 0.0, "as PyTorch"),
    ),
    facts=Facts(
        range=ALL_REAL,
        monotonic=True,
        smoothness=0,
        zero_centred=True,
        saturates=(),
        uses=("sparse coding (ISTA)", "denoising"),
        pros=("promotes sparsity (the proximal map of λ|x|)",),
        cons=("zero gradient in the dead zone",),
        init="xavier",
    ),
    references=(Reference("De-noising by soft-thresholding", "Donoho", 1995),),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.softshrink", {"lambd": "lambd"}, module="torch.nn.Softshrink"
        ),
        keras=Peer("keras.activations.soft_shrink", {"lambd": "threshold"}),
    ),
)


def _hardshrink_f(xp: ModuleType, x: Array, p: Params) -> Array:
    y = xp.where(xp.abs(x) > p["lambd"], x, const(xp, x, 0.0))
    return keep_nan(xp, x, y)


elementwise(
    name="hardshrink",
    **_SHRINK_GRAD,
    example=(
        ">>> import actlab\n"
        ">>> actlab.hardshrink([-2.0, 0.0, 1.5])\n"
        "array([-2. ,  0. ,  1.5])\n"
        ">>> actlab.get('hardshrink').derivative([-2.0, 0.0, 1.5])\n"
        "array([1., 0., 1.])"
    ),
    aliases=("hard_shrink",),
    summary="Hard thresholding: x where |x| > λ, else 0.",
    params=(_LAMBD,),
    forward=_hardshrink_f,
    latex=r"f(x) = \begin{cases} x & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & |x| > \lambda \\ 0 & |x| \le \lambda "
    r"\end{cases}",
    text="f(x) = x if |x| > lambd else 0",
    derivative_text="f'(x) = 1 if |x| > lambd else 0  (0 at the jumps ±lambd)",
    kinks=(
        Kink(lambda p: -p["lambd"], 0.0, "a jump: 0 like PyTorch"),
        Kink(lambda p: p["lambd"], 0.0, "a jump: 0 like PyTorch"),
    ),
    facts=Facts(
        range=ALL_REAL,
        monotonic=True,
        smoothness=-1,
        zero_centred=True,
        saturates=(),
        uses=("sparse coding", "wavelet denoising"),
        pros=("keeps large values unbiased",),
        cons=("discontinuous at ±λ",),
        init="xavier",
    ),
    references=(
        Reference("Ideal spatial adaptation by wavelet shrinkage", "Donoho, Johnstone", 1994),
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.hardshrink", {"lambd": "lambd"}, module="torch.nn.Hardshrink"
        ),
        keras=Peer("keras.activations.hard_shrink", {"lambd": "threshold"}),
    ),
)


def _threshold_f(xp: ModuleType, x: Array, p: Params) -> Array:
    y = xp.where(x > p["threshold"], x, const(xp, x, p["value"]))
    return keep_nan(xp, x, y)


def _threshold_d(xp: ModuleType, x: Array, p: Params) -> Array:
    y = xp.where(x > p["threshold"], const(xp, x, 1.0), const(xp, x, 0.0))
    return keep_nan(xp, x, y)


def _threshold_range(p: Params) -> Range:
    t, v = p["threshold"], p["value"]
    return R(min(t, v), INF, v <= t, False)


elementwise(
    name="threshold",
    lean=("mask", lambda xp, x, p: x > p["threshold"], lambda xp, m, p: xp.astype(m, xp.float64)),
    example_params={"threshold": 0.5, "value": -1.0},
    example=(
        ">>> import actlab\n"
        ">>> actlab.threshold([-2.0, 0.0, 1.5], threshold=0.5, value=-1.0)\n"
        "array([-1. , -1. ,  1.5])\n"
        ">>> actlab.get('threshold', threshold=0.5, value=-1.0).derivative([-2.0, 0.0, 1.5])\n"
        "array([0., 0., 1.])"
    ),
    summary="x where x > threshold, else a constant value.",
    params=(
        Param("threshold", REQUIRED, "the input above which x passes through"),
        Param("value", REQUIRED, "the output at or below the threshold"),
    ),
    forward=_threshold_f,
    derivative=_threshold_d,
    latex=r"f(x) = \begin{cases} x & x > \theta \\ v & x \le \theta \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > \theta \\ 0 & x \le \theta \end{cases}",
    text="f(x) = x if x > threshold else value",
    derivative_text="f'(x) = 1 if x > threshold else 0  (0 at the threshold, as PyTorch)",
    kinks=(Kink(lambda p: p["threshold"], 0.0, "as PyTorch"),),
    facts=Facts(
        range=_threshold_range,
        monotonic=lambda p: p["value"] <= p["threshold"],
        smoothness=-1,
        zero_centred=False,
        saturates=("negative",),
        uses=("legacy Torch7 models", "clamping a signal"),
        pros=("general form of relu (threshold = value = 0)",),
        cons=("discontinuous unless value == threshold",),
        init="he",
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.threshold",
            {"threshold": "threshold", "value": "value"},
            module="torch.nn.Threshold",
        ),
        keras=Peer(
            "keras.activations.threshold",
            {"threshold": "threshold", "value": "default_value"},
        ),
    ),
)


# ================================================================================ logs and exps


def _log_sigmoid_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return xp.minimum(x, const(xp, x, 0.0)) - xp.log1p(xp.exp(-xp.abs(x)))


elementwise(
    name="log_sigmoid",
    lean=("output", lambda xp, y, p: -xp.expm1(y), None),
    example=(
        ">>> import actlab\n"
        ">>> actlab.log_sigmoid([-2.0, 0.0, 1.5])\n"
        "array([-2.12692801, -0.69314718, -0.20141328])\n"
        ">>> actlab.get('log_sigmoid').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.88079708, 0.5       , 0.18242552])"
    ),
    aliases=("logsigmoid",),
    summary="log σ(x) = −softplus(−x), computed without overflow.",
    forward=_log_sigmoid_f,
    derivative=lambda xp, x, p: sigmoid(xp, -x),
    latex=r"f(x) = \log \sigma(x) = -\log\left(1 + e^{-x}\right)",
    derivative_latex=r"f'(x) = \sigma(-x)",
    text="f(x) = min(x, 0) - log1p(exp(-|x|))",
    derivative_text="f'(x) = sigmoid(-x)",
    facts=Facts(
        range=R(-INF, 0.0, False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=False,
        saturates=("positive",),
        uses=("log-likelihoods of binary outputs", "losses on logits"),
        pros=("stable log-probability",),
        cons=("rarely a hidden activation",),
        init="xavier",
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.logsigmoid", module="torch.nn.LogSigmoid"),
        keras=Peer("keras.activations.log_sigmoid"),
        jax=Peer("jax.nn.log_sigmoid"),
    ),
)


def _exp_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return xp.exp(x)  # overflow to +inf is the correctly rounded result


elementwise(
    name="exponential",
    lean=("output", lambda xp, y, p: y, None),
    example=(
        ">>> import actlab\n"
        ">>> actlab.exponential([-2.0, 0.0, 1.5])\n"
        "array([0.13533528, 1.        , 4.48168907])\n"
        ">>> actlab.get('exponential').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.13533528, 1.        , 4.48168907])"
    ),
    aliases=("exp",),
    summary="eˣ: a positive output (rates, Poisson means).",
    forward=_exp_f,
    derivative=_exp_f,
    latex=r"f(x) = e^{x}",
    derivative_latex=r"f'(x) = e^{x}",
    text="f(x) = exp(x)",
    derivative_text="f'(x) = exp(x)",
    facts=Facts(
        range=R(0.0, INF, False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative",),
        uses=("count outputs (Poisson rate)", "positive scale parameters"),
        pros=("strictly positive", "log-link for count data"),
        cons=("explodes for large inputs",),
        init="xavier",
    ),
    peers=Peers(
        torch=Peer("torch.exp"),
        keras=Peer("keras.activations.exponential"),
        jax=Peer("jax.numpy.exp"),
    ),
)


# ============================================================================ bounded algebraic


def _softsign_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    return at_inf(xp, x, xf / (1.0 + xp.abs(xf)), -1.0, 1.0)


def _softsign_d(xp: ModuleType, x: Array, p: Params) -> Array:
    r = 1.0 / (1.0 + xp.abs(x))
    return r * r


elementwise(
    name="softsign",
    example=(
        ">>> import actlab\n"
        ">>> actlab.softsign([-2.0, 0.0, 1.5])\n"
        "array([-0.66666667,  0.        ,  0.6       ])\n"
        ">>> actlab.get('softsign').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.11111111, 1.        , 0.16      ])"
    ),
    aliases=("soft_sign",),
    summary="x/(1 + |x|): a tanh-like squashing with polynomial tails.",
    forward=_softsign_f,
    derivative=_softsign_d,
    latex=r"f(x) = \frac{x}{1 + |x|}",
    derivative_latex=r"f'(x) = \frac{1}{(1 + |x|)^2}",
    text="f(x) = x / (1 + |x|)",
    derivative_text="f'(x) = 1 / (1 + |x|)^2",
    facts=Facts(
        range=R(-1.0, 1.0, False, False),
        monotonic=True,
        smoothness=1,
        zero_centred=True,
        saturates=("negative", "positive"),
        uses=("tanh replacement with slower saturation",),
        pros=("saturates polynomially, not exponentially", "no exp"),
        cons=("still saturates",),
        init="xavier",
    ),
    references=(
        Reference("Quadratic polynomials learn better image features", "Bergstra et al.", 2009),
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.softsign", module="torch.nn.Softsign"),
        keras=Peer("keras.activations.softsign"),
        jax=Peer("jax.nn.soft_sign"),
    ),
)


def _one_plus_ax2(xp: ModuleType, x: Array, a: float) -> tuple[Array, Array]:
    """1 + a·x² as a double-double, for |x| ≤ 1e100 (the caller handles larger |x|)."""
    xc = clamp_abs(xp, finite(xp, x), 1e100)
    h, lo = two_prod(xc, xc)
    if a != 1.0:
        h2, lo2 = two_prod(h, a)
        h, lo = h2, lo2 + lo * a
    s, e = two_sum(const(xp, x, 1.0), h)
    return two_sum(s, e + lo)


def _pow_dd(xp: ModuleType, qh: Array, ql: Array, k: float) -> Array:
    """(qh + ql)^k ≈ qh^k·(1 + k·ql/qh)."""
    return xp.pow(qh, k) * (1.0 + k * ql / qh)


def _arctan_d(xp: ModuleType, x: Array, p: Params) -> Array:
    qh, ql = _one_plus_ax2(xp, x, 1.0)
    ax = xp.abs(x)
    big = ax > 1e100
    r = 1.0 / xp.where(big, ax, const(xp, x, 1.0))
    return keep_nan(xp, x, xp.where(big, r * r, _pow_dd(xp, qh, ql, -1.0)))


elementwise(
    name="arctan",
    example=(
        ">>> import actlab\n"
        ">>> actlab.arctan([-2.0, 0.0, 1.5])\n"
        "array([-1.10714872,  0.        ,  0.98279372])\n"
        ">>> actlab.get('arctan').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.2       , 1.        , 0.30769231])"
    ),
    summary="arctan(x): a squashing function with range (−π/2, π/2) and slow tails.",
    forward=lambda xp, x, p: xp.atan(x),
    derivative=_arctan_d,
    latex=r"f(x) = \arctan x",
    derivative_latex=r"f'(x) = \frac{1}{1 + x^2}",
    text="f(x) = arctan(x)",
    derivative_text="f'(x) = 1 / (1 + x^2)",
    facts=Facts(
        range=R(-math.pi / 2, math.pi / 2, False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=True,
        saturates=("negative", "positive"),
        uses=("tanh alternative with slower saturation",),
        pros=("zero-centred", "polynomial-rate saturation"),
        cons=("saturates",),
        init="xavier",
    ),
)


def _isru(xp: ModuleType, x: Array, a: float) -> Array:
    qh, ql = _one_plus_ax2(xp, x, a)
    ax = xp.abs(x)
    big = ax > 1e100
    y = xp.where(big, xp.sign(x) / math.sqrt(a), finite(xp, x) * _pow_dd(xp, qh, ql, -0.5))
    return keep_nan(xp, x, y)


def _isru_d(xp: ModuleType, x: Array, a: float) -> Array:
    qh, ql = _one_plus_ax2(xp, x, a)
    ax = xp.abs(x)
    big = ax > 1e100
    r = 1.0 / (math.sqrt(a) * xp.where(big, ax, const(xp, x, 1.0)))
    return keep_nan(xp, x, xp.where(big, r * r * r, _pow_dd(xp, qh, ql, -1.5)))


_ALPHA_ISRU = Param("alpha", 1.0, "the saturation level is ±1/√alpha", allowed="> 0", check=_pos)
_ISRLU_REF = Reference(
    "Improving deep learning by inverse square root linear units (ISRLUs)", "Carlile et al.", 2017
)

elementwise(
    name="isru",
    example=(
        ">>> import actlab\n"
        ">>> actlab.isru([-2.0, 0.0, 1.5])\n"
        "array([-0.89442719,  0.        ,  0.83205029])\n"
        ">>> actlab.get('isru').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.08944272, 1.        , 0.17067698])"
    ),
    summary="Inverse square root unit x/√(1 + αx²): a tanh-like squashing without exp.",
    params=(_ALPHA_ISRU,),
    forward=lambda xp, x, p: _isru(xp, x, p["alpha"]),
    derivative=lambda xp, x, p: _isru_d(xp, x, p["alpha"]),
    latex=r"f(x) = \frac{x}{\sqrt{1 + \alpha x^2}}",
    derivative_latex=r"f'(x) = \left(1 + \alpha x^2\right)^{-3/2}",
    text="f(x) = x / sqrt(1 + alpha x^2)",
    derivative_text="f'(x) = (1 + alpha x^2)^(-3/2)",
    facts=Facts(
        range=lambda p: R(-1 / math.sqrt(p["alpha"]), 1 / math.sqrt(p["alpha"]), False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=True,
        saturates=("negative", "positive"),
        uses=("RNNs, as a cheaper tanh",),
        pros=("no exp", "zero-centred"),
        cons=("saturates",),
        init="xavier",
    ),
    references=(_ISRLU_REF,),
)

elementwise(
    name="isrlu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.isrlu([-2.0, 0.0, 1.5])\n"
        "array([-0.89442719,  0.        ,  1.5       ])\n"
        ">>> actlab.get('isrlu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.08944272, 1.        , 1.        ])"
    ),
    summary="Inverse square root linear unit: x for x ≥ 0, x/√(1 + αx²) below (ELU without exp).",
    params=(_ALPHA_ISRU,),
    forward=lambda xp, x, p: xp.where(x >= 0, x, _isru(xp, x, p["alpha"])),
    derivative=lambda xp, x, p: xp.where(x >= 0, const(xp, x, 1.0), _isru_d(xp, x, p["alpha"])),
    latex=r"f(x) = \begin{cases} x & x \ge 0 \\ x/\sqrt{1 + \alpha x^2} & x < 0 \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x \ge 0 \\ (1 + \alpha x^2)^{-3/2} & x < 0 "
    r"\end{cases}",
    text="f(x) = x if x >= 0 else x / sqrt(1 + alpha x^2)",
    derivative_text="f'(x) = 1 if x >= 0 else (1 + alpha x^2)^(-3/2)",
    facts=Facts(
        range=lambda p: R(-1 / math.sqrt(p["alpha"]), INF, False, False),
        monotonic=True,
        smoothness=2,
        zero_centred=True,
        saturates=("negative",),
        uses=("ELU replacement in CNNs",),
        pros=("ELU-like with no exp", "C2"),
        cons=("rarely used; few reference results",),
        init="he",
    ),
    references=(_ISRLU_REF,),
)


def _bent_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    s = hypot(xp, xf, 1.0)
    # (√(x²+1) − 1)/2 = x²/(2(√(x²+1) + 1)), written x·(x/(s+1))/2 so nothing overflows.
    y = xf + xf * (xf / (s + 1.0)) / 2.0
    return at_inf(xp, x, y, -INF, INF)


def _bent_d(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    y = 1.0 + (xf / hypot(xp, xf, 1.0)) / 2.0
    return at_inf(xp, x, y, 0.5, 1.5)


elementwise(
    name="bent_identity",
    example=(
        ">>> import actlab\n"
        ">>> actlab.bent_identity([-2.0, 0.0, 1.5])\n"
        "array([-1.38196601,  0.        ,  1.90138782])\n"
        ">>> actlab.get('bent_identity').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.5527864 , 1.        , 1.41602515])"
    ),
    summary="(√(x² + 1) − 1)/2 + x: a smooth, monotonic, unbounded curve bent at 0.",
    forward=_bent_f,
    derivative=_bent_d,
    latex=r"f(x) = \frac{\sqrt{x^2 + 1} - 1}{2} + x",
    derivative_latex=r"f'(x) = \frac{x}{2\sqrt{x^2 + 1}} + 1",
    text="f(x) = (sqrt(x^2 + 1) - 1) / 2 + x",
    derivative_text="f'(x) = x / (2 sqrt(x^2 + 1)) + 1",
    facts=Facts(
        range=ALL_REAL,
        monotonic=True,
        smoothness=INF,
        zero_centred=True,
        saturates=(),
        uses=("regression MLPs",),
        pros=("never saturates (1/2 < f' < 3/2)", "smooth"),
        cons=("rarely used",),
        init="xavier",
    ),
)


# ========================================================================== periodic and radial


def _sine_parts(xp: ModuleType, x: Array, w0: float) -> tuple[Array, Array]:
    return _mul_dd(xp, w0, finite(xp, x))


def _sin_cos_dd(xp: ModuleType, h: Array, lo: Array) -> tuple[Array, Array, Array]:
    """sin(h + lo), cos(h + lo) by the addition formulas (lo need not be small), and where
    h is ±inf (x infinite, or w0·x beyond the float range: no answer, NaN)."""
    bad = xp.isinf(h)
    hf = xp.where(bad, const(xp, h, 0.0), h)
    sh, ch, sl, cl = xp.sin(hf), xp.cos(hf), xp.sin(lo), xp.cos(lo)
    return sh * cl + ch * sl, ch * cl - sh * sl, bad


def _sine_f(xp: ModuleType, x: Array, p: Params) -> Array:
    h, lo = _sine_parts(xp, x, p["w0"])
    sn, _, bad = _sin_cos_dd(xp, h, lo)
    return xp.where(bad | xp.isinf(x), const(xp, x, NAN), sn)  # no limit at ±inf


def _sine_d(xp: ModuleType, x: Array, p: Params) -> Array:
    h, lo = _sine_parts(xp, x, p["w0"])
    _, cs, bad = _sin_cos_dd(xp, h, lo)
    return xp.where(bad | xp.isinf(x), const(xp, x, NAN), p["w0"] * cs)


elementwise(
    name="sine",
    example=(
        ">>> import actlab\n"
        ">>> actlab.sine([-2.0, 0.0, 1.5])\n"
        "array([-0.90929743,  0.        ,  0.99749499])\n"
        ">>> actlab.get('sine').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.41614684,  1.        ,  0.0707372 ])"
    ),
    aliases=("sin", "siren"),
    summary="sin(w0·x): periodic activation for implicit neural representations (SIREN).",
    params=(Param("w0", 1.0, "frequency (SIREN uses 30 in the first layer)"),),
    forward=_sine_f,
    derivative=_sine_d,
    latex=r"f(x) = \sin(\omega_0 x)",
    derivative_latex=r"f'(x) = \omega_0 \cos(\omega_0 x)",
    text="f(x) = sin(w0 * x)",
    derivative_text="f'(x) = w0 * cos(w0 * x)",
    facts=Facts(
        range=lambda p: R(-1.0, 1.0, True, True) if p["w0"] != 0 else R(0.0, 0.0, True, True),
        monotonic=lambda p: p["w0"] == 0,
        smoothness=INF,
        zero_centred=False,
        saturates=(),
        uses=("implicit neural representations (SIREN)", "signals, audio, images as functions"),
        pros=("represents fine detail and derivatives of signals",),
        cons=("needs SIREN's special init", "not a general-purpose hidden activation"),
        init="xavier",
    ),
    references=(
        Reference(
            "Implicit neural representations with periodic activation functions",
            "Sitzmann, Martel, Bergman, Lindell, Wetzstein",
            2020,
        ),
    ),
)


@functools.cache
def _sinc_d_coeffs(n: int = 14) -> tuple[float, ...]:
    """sinc'(x) = Σ_{k≥1} (−1)^k 2k x^(2k−1)/(2k+1)!, coefficients for k = 1..n."""
    return tuple(
        float(Fraction((-1) ** k * 2 * k, math.factorial(2 * k + 1))) for k in range(1, n + 1)
    )


def _sinc_f(xp: ModuleType, x: Array, p: Params) -> Array:
    bad = (x == 0) | xp.isinf(x)
    xs = xp.where(bad, const(xp, x, 1.0), x)
    y = xp.where(x == 0, const(xp, x, 1.0), xp.sin(xs) / xs)
    return xp.where(xp.isinf(x), const(xp, x, 0.0), y)


def _sinc_d(xp: ModuleType, x: Array, p: Params) -> Array:
    small = xp.abs(x) < 1.0
    xs = xp.where(small, x, const(xp, x, 0.0))
    z = xs * xs
    acc = xp.zeros_like(x)
    for c in reversed(_sinc_d_coeffs()):
        acc = acc * z + c
    series = acc * xs
    xl = xp.where(small | xp.isinf(x), const(xp, x, 1.0), x)
    large = (xp.cos(xl) - xp.sin(xl) / xl) / xl
    # f' is odd: near its roots below 31, use the series of f'(|x|) about each root
    ax = xp.abs(xl)
    large_abs = large * xp.sign(xl)
    for k in range(1, 10):
        large_abs = _near_root(xp, ax, 0.0, f"sinc{k}", large_abs)
    y = xp.where(small, series, large_abs * xp.sign(xl))
    return xp.where(xp.isinf(x), const(xp, x, 0.0), y)


elementwise(
    name="sinc",
    example=(
        ">>> import actlab\n"
        ">>> actlab.sinc([-2.0, 0.0, 1.5])\n"
        "array([0.45464871, 1.        , 0.66499666])\n"
        ">>> actlab.get('sinc').derivative([-2.0, 0.0, 1.5])\n"
        "array([ 0.43539777, -0.        , -0.39617297])"
    ),
    summary="sin(x)/x with sinc(0) = 1 (unnormalised; torch.sinc is sin(πx)/(πx)).",
    forward=_sinc_f,
    derivative=_sinc_d,
    latex=r"f(x) = \frac{\sin x}{x},\ f(0) = 1",
    derivative_latex=r"f'(x) = \frac{x\cos x - \sin x}{x^2},\ f'(0) = 0",
    text="f(x) = sin(x) / x, f(0) = 1",
    derivative_text="f'(x) = (x cos x - sin x) / x^2  (a Taylor series for |x| < 1)",
    facts=Facts(
        range=R(-0.21723362821122166, 1.0, True, True),
        monotonic=False,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("signal-processing networks", "research on periodic activations"),
        pros=("smooth, band-limited",),
        cons=("oscillating, non-monotonic",),
        init="xavier",
    ),
)


def _gaussian_d(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    return at_inf(xp, x, exp_neg_sq(xp, xf, scale=-2.0 * xf), 0.0, 0.0)


elementwise(
    name="gaussian",
    example=(
        ">>> import actlab\n"
        ">>> actlab.gaussian([-2.0, 0.0, 1.5])\n"
        "array([0.01831564, 1.        , 0.10539922])\n"
        ">>> actlab.get('gaussian').derivative([-2.0, 0.0, 1.5])\n"
        "array([ 0.07326256, -0.        , -0.31619767])"
    ),
    summary="exp(−x²): a radial-basis bump.",
    forward=lambda xp, x, p: exp_neg_sq(xp, x),
    derivative=_gaussian_d,
    latex=r"f(x) = e^{-x^2}",
    derivative_latex=r"f'(x) = -2x\,e^{-x^2}",
    text="f(x) = exp(-x^2)",
    derivative_text="f'(x) = -2x exp(-x^2)",
    facts=Facts(
        range=R(0.0, 1.0, False, True),
        monotonic=False,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("RBF networks", "implicit representations"),
        pros=("local response",),
        cons=("vanishing gradient away from 0",),
        init="xavier",
    ),
    references=(
        Reference(
            "Multivariable functional interpolation and adaptive networks", "Broomhead, Lowe", 1988
        ),
    ),
)


# =========================================================================== squared rectifiers


def _relu_sq(xp: ModuleType, x: Array) -> Array:
    r = _relu_f(xp, x, {})
    return r * r


elementwise(
    name="squared_relu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.squared_relu([-2.0, 0.0, 1.5])\n"
        "array([0.  , 0.  , 2.25])\n"
        ">>> actlab.get('squared_relu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0., 0., 3.])"
    ),
    aliases=("relu2",),
    summary="relu(x)²: the Primer transformer's feed-forward activation.",
    forward=lambda xp, x, p: _relu_sq(xp, x),
    derivative=lambda xp, x, p: 2.0 * _relu_f(xp, x, {}),
    latex=r"f(x) = \max(x, 0)^2",
    derivative_latex=r"f'(x) = 2\max(x, 0)",
    text="f(x) = max(x, 0)^2",
    derivative_text="f'(x) = 2 max(x, 0)",
    facts=Facts(
        range=R(0.0, INF, True, False),
        monotonic=True,
        smoothness=1,
        zero_centred=False,
        saturates=("negative",),
        uses=("transformer feed-forward blocks (Primer)",),
        pros=("cheap", "reported better perplexity than gelu in Primer"),
        cons=("grows quadratically: can destabilise training",),
        init="he",
    ),
    references=(
        Reference(
            "Primer: searching for efficient transformers for language modeling",
            "So et al.",
            2021,
        ),
    ),
)


def _star_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return mul_zero_safe(xp, p["scale"], _relu_sq(xp, x)) + p["bias"]


def _star_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return mul_zero_safe(xp, p["scale"], 2.0 * _relu_f(xp, x, {}))


def _star_vjp(xp: ModuleType, x: Array, g: Array, p: Params) -> dict[str, Array]:
    return {"scale": sum_to(xp, g * _relu_sq(xp, x), p["scale"]), "bias": sum_to(xp, g, p["bias"])}


def _star_range(p: Params) -> Range:
    s, b = float(min(_as_floats(p["scale"]))), float(min(_as_floats(p["bias"])))
    if s > 0:
        return R(b, INF, True, False)
    if s < 0:
        return R(-INF, b, False, True)
    return R(b, b, True, True)


elementwise(
    name="star_relu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.star_relu([-2.0, 0.0, 1.5])\n"
        "array([-0.4472, -0.4472,  1.5652])\n"
        ">>> actlab.get('star_relu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.    , 0.    , 2.6832])"
    ),
    summary="s·relu(x)² + b with learnable scale and bias (MetaFormer baselines).",
    params=(
        Param("scale", 0.8944, "learnable scale s", learnable=True),
        Param("bias", -0.4472, "learnable bias b", learnable=True),
    ),
    forward=_star_f,
    derivative=_star_d,
    param_vjp=_star_vjp,
    latex=r"f(x) = s \max(x, 0)^2 + b",
    derivative_latex=r"f'(x) = 2 s \max(x, 0),\quad \frac{\partial f}{\partial s} = "
    r"\max(x, 0)^2,\ \frac{\partial f}{\partial b} = 1",
    text="f(x) = scale * max(x, 0)^2 + bias",
    derivative_text="f'(x) = 2 scale max(x, 0); df/dscale = max(x, 0)^2, df/dbias = 1",
    facts=Facts(
        range=_star_range,
        monotonic=lambda p: min(_as_floats(p["scale"])) >= 0,
        smoothness=1,
        zero_centred=False,
        saturates=("negative",),
        uses=("vision MetaFormers (CAFormer, ConvFormer)",),
        pros=("squared-relu with the output distribution normalised",),
        cons=("two extra learnable parameters",),
        init="he",
    ),
    references=(Reference("MetaFormer baselines for vision", "Yu et al.", 2022),),
)


def _snake_parts(xp: ModuleType, x: Array, a: Any) -> tuple[Array, Array]:
    xf = finite(xp, x)
    return xf, xp.sin(a * xf)


def _snake_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf, s = _snake_parts(xp, x, p["a"])
    return at_inf(xp, x, xf + s * s / p["a"], -INF, INF)


_PI_4 = (float.fromhex("0x1.921fb54442d18p-1"), float.fromhex("0x1.1a62633145c07p-55"))


def _snake_d(xp: ModuleType, x: Array, p: Params) -> Array:
    # 1 + sin(2ax) = 2·sin²(ax + π/4): no cancellation where f' touches 0, if ax + π/4 is
    # carried as a double-double h + l and sin(h + l) = sin h·cos l + cos h·sin l.
    a = p["a"]
    xf = finite(xp, x)
    if isinstance(a, float):
        ah, al = _mul_dd(xp, a, xf)
        h, e = two_sum(xp.where(xp.isinf(ah), const(xp, x, 0.0), ah), const(xp, x, _PI_4[0]))
        sn, _, _ = _sin_cos_dd(xp, h, e + (al + _PI_4[1]))
        y = 2.0 * sn * sn
    else:
        y = 1.0 + xp.sin(2.0 * a * xf)
    return xp.where(xp.isinf(x), const(xp, x, NAN), y)


def _snake_vjp(xp: ModuleType, x: Array, g: Array, p: Params) -> dict[str, Array]:
    a = p["a"]
    xf, s = _snake_parts(xp, x, a)
    d = xf * xp.sin(2.0 * a * xf) / a - s * s / (a * a)
    d = xp.where(xp.isinf(x), const(xp, x, NAN), d)
    return {"a": sum_to(xp, g * d, a)}


elementwise(
    name="snake",
    example=(
        ">>> import actlab\n"
        ">>> actlab.snake([-2.0, 0.0, 1.5])\n"
        "array([-1.17317819,  0.        ,  2.49499625])\n"
        ">>> actlab.get('snake').derivative([-2.0, 0.0, 1.5])\n"
        "array([1.7568025 , 1.        , 1.14112001])"
    ),
    summary="x + sin²(a·x)/a: monotonic with a periodic ripple, for learning periodic signals.",
    params=(Param("a", 1.0, "learnable frequency a", allowed="> 0", check=_pos, learnable=True),),
    forward=_snake_f,
    derivative=_snake_d,
    param_vjp=_snake_vjp,
    latex=r"f(x) = x + \frac{\sin^2(a x)}{a}",
    derivative_latex=r"f'(x) = 1 + \sin(2 a x),\quad \frac{\partial f}{\partial a} = "
    r"\frac{x \sin(2ax)}{a} - \frac{\sin^2(ax)}{a^2}",
    text="f(x) = x + sin(a x)^2 / a",
    derivative_text="f'(x) = 1 + sin(2 a x); df/da = x sin(2ax)/a - sin(ax)^2/a^2",
    facts=Facts(
        range=ALL_REAL,
        monotonic=True,
        smoothness=INF,
        zero_centred=True,
        saturates=(),
        uses=("periodic time series", "audio synthesis (BigVGAN)"),
        pros=("extrapolates periodic patterns that relu/tanh cannot",),
        cons=("f' touches 0 periodically",),
        init="he",
    ),
    references=(
        Reference(
            "Neural networks fail to learn periodic functions and how to fix it",
            "Liu Ziyin, Hartwig, Ueda",
            2020,
        ),
    ),
)
