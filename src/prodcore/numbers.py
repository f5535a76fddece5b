"""Decimal discipline: quantities with units, money with a currency, durations with a time unit.

Every number that enters prodcore goes through :func:`to_decimal`, which accepts
``Decimal``, ``int`` and ``str`` and refuses floats, bools, NaN and infinities with an
:class:`~prodcore.errors.InvalidValueError`. Arithmetic keeps full precision; rounding
happens only where a :class:`Rounding` is applied explicitly (posting, display).

The supported range is defined here and nowhere else: a number has at most
``MAX_INTEGER_DIGITS`` (15) digits before the decimal point and, unless it is zero, is
at least ``10 ** MIN_EXPONENT`` (``1E-999``) in size (the bound is far below any
computed residual and only stops exponents like ``1E-999999`` that make a division
overflow); a rounding precision is at least ``10 ** -MAX_DECIMAL_PLACES`` (``1E-20``).
``1E+999999``, a quantity of ``10**23`` or a 29-digit amount is refused naming the field. The amounts, quantities and
durations built from results are checked again, so a product that leaves the range is
refused too, never silently rounded at its 28th digit. Value-object arithmetic and every
rounding run in :data:`ARITHMETIC`, a context of ``3 * 15 + 20 = 65`` digits: the product
of three in-range numbers (quantity × unit cost × cost share) stays below ``10**45`` and
rounds to the finest precision (``1E-20``) without exceeding the context, so no
arithmetic inside the range can raise a ``decimal`` error. Ledger sums (balances, a
batch's debits against its credits, what verify adds up) run in :data:`EXACT_SUMS`,
whose precision holds every digit of any sum of in-range numbers: a balance of
``12345678901234.1234567890123456789`` and ``1E-19`` is exactly
``12345678901234.1234567890123456790`` on every store, where Decimal's default 28 digits
would round it. The global context is never changed.

>>> from decimal import Decimal
>>> q = Quantity("2.5", "KG") + Quantity(1, "KG")
>>> q
Quantity('3.5', 'KG')
>>> Quantity("1", "KG") + Quantity("1", "PCS")
Traceback (most recent call last):
...
prodcore.errors.UnitMismatchError: Cannot combine 1 KG with 1 PCS: the units differ.
>>> Money("10.005", "EUR").rounded(Rounding(Decimal("0.01")))
Money('10.01', 'EUR')
>>> to_decimal(0.1)
Traceback (most recent call last):
...
prodcore.errors.InvalidValueError: Invalid value for number: 0.1 (floats are not accepted; pass a str or Decimal).
>>> Quantity("1E+23", "PCS")
Traceback (most recent call last):
...
prodcore.errors.InvalidValueError: Invalid value for amount: '1E+23' (more than 15 digits before the decimal point).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    getcontext,
    localcontext,
)
from typing import TYPE_CHECKING, Any, Final, ParamSpec, Self, TypeVar

import attrs

from prodcore.errors import InvalidValueError, UnitMismatchError
from prodcore.records import revise

__all__ = [
    "ARITHMETIC",
    "EXACT_SUMS",
    "HUNDRED",
    "MAX_DECIMAL_PLACES",
    "MAX_INTEGER_DIGITS",
    "MIN_EXPONENT",
    "ONE",
    "OWN_CONTEXT",
    "ZERO",
    "Duration",
    "Money",
    "Quantity",
    "Rounding",
    "RoundingMode",
    "TimeUnit",
    "as_decimal",
    "check_member",
    "exact_sum",
    "in_own_context",
    "member_of",
    "non_negative",
    "percent",
    "shared_rounding",
    "to_decimal",
    "tuple_of",
]

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
HUNDRED: Final = Decimal(100)

NumberLike = Decimal | int | str

_E = TypeVar("_E", bound=enum.Enum)

MAX_INTEGER_DIGITS: Final = 15
"""Digits before the decimal point a number may have: below 10**15 (999 trillion) in size."""
MIN_EXPONENT: Final = -999
"""A number other than zero is at least ``10 ** MIN_EXPONENT`` in size."""
MAX_DECIMAL_PLACES: Final = 20
"""The finest rounding precision is ``10 ** -MAX_DECIMAL_PLACES``."""
ARITHMETIC: Final = Context(
    prec=3 * MAX_INTEGER_DIGITS + MAX_DECIMAL_PLACES,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
"""The context of value-object arithmetic and rounding (see the module docstring)."""
#: Digits a ledger sum may need before the decimal point: the 15 of one number and 12
#: more, room for a trillion entries of the largest size.
_SUM_INTEGER_DIGITS: Final = MAX_INTEGER_DIGITS + 12
EXACT_SUMS: Final = Context(
    prec=_SUM_INTEGER_DIGITS - MIN_EXPONENT,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, Overflow, Inexact],
)
"""The context of ledger sums: its precision holds every digit from ``10 ** 27`` down to
``10 ** MIN_EXPONENT``, so adding in-range numbers never rounds (a sum that would round
raises :class:`decimal.Inexact` rather than lose a digit). Its additions cost what the
default context's do: a sum is as long as its digits, not as the precision.

>>> EXACT_SUMS.add(Decimal("12345678901234.1234567890123456789"), Decimal("1E-19"))
Decimal('12345678901234.1234567890123456790')
"""


def exact_sum(values: Iterable[Decimal], start: Decimal = ZERO) -> Decimal:
    """``start`` plus every value, added in :data:`EXACT_SUMS` (no digit lost).

    >>> parts = [Decimal("99999999999999.99999999999999"), Decimal("1E-15")]
    >>> exact_sum(parts)
    Decimal('99999999999999.999999999999991')
    >>> sum(parts)  # Decimal's default context: 28 digits, the 1E-15 is lost
    Decimal('99999999999999.99999999999999')
    """
    with localcontext(EXACT_SUMS):
        return sum(values, start)


OWN_CONTEXT: Final = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
"""The context of prodcore's plain Decimal arithmetic (Python's default one): every public
function of :mod:`prodcore.app`, ``costing``, ``orders``, ``scheduling`` and ``reports``
that computes, the scenario runner and ``verify`` compute in it (:func:`in_own_context`),
so a caller's context (a notebook's ``getcontext().prec = 4``, a
``ROUND_DOWN``) changes no result. Its 28 significant digits are those of Business
Central's decimal: a decision's plain arithmetic on a number of more than 28 significant
digits (only at the edge of the range: 15 digits before the point and up to 20 after)
rounds at the 28th, as Business Central's would; ledger sums (:data:`EXACT_SUMS`) and
value-object arithmetic (:data:`ARITHMETIC`) do not."""

_P = ParamSpec("_P")
_R = TypeVar("_R")
#: The decimal context an :func:`in_own_context` call made, while it runs (per thread and
#: task, as the decimal context is): a nested call finds it current and makes none.
_OWN_ACTIVE: ContextVar[Context | None] = ContextVar("prodcore_own_context", default=None)


def in_own_context(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function``, run in :data:`OWN_CONTEXT` whatever the caller's decimal context.

    >>> import decimal
    >>> @in_own_context
    ... def third(x: Decimal) -> Decimal:
    ...     return x / 3
    >>> with decimal.localcontext(decimal.Context(prec=2)):
    ...     third(Decimal(1)), Decimal(1) / 3
    (Decimal('0.3333333333333333333333333333'), Decimal('0.33'))
    """

    @functools.wraps(function)
    def in_context(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if getcontext() is _OWN_ACTIVE.get():  # called from prodcore: in it already
            return function(*args, **kwargs)
        with localcontext(OWN_CONTEXT) as own:
            token = _OWN_ACTIVE.set(own)
            try:
                return function(*args, **kwargs)
            finally:
                _OWN_ACTIVE.reset(token)

    return in_context


def to_decimal(value: object, field: str = "number") -> Decimal:
    """Convert ``value`` to a finite ``Decimal`` or raise :class:`InvalidValueError`.

    >>> to_decimal("1.50"), to_decimal(3)
    (Decimal('1.50'), Decimal('3'))
    >>> to_decimal(True)
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for number: True (bools are not numbers).
    """
    if isinstance(value, Decimal):
        # a subclass made a Decimal: a record's Decimal is exactly one (what it stores)
        result = value if type(value) is Decimal else Decimal(value)
    elif isinstance(value, bool):
        raise InvalidValueError(field=field, value=value, reason="bools are not numbers")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except ArithmeticError:
            raise InvalidValueError(
                field=field, value=value, reason="not a decimal number"
            ) from None
    elif isinstance(value, float):
        raise InvalidValueError(
            field=field, value=value, reason="floats are not accepted; pass a str or Decimal"
        )
    else:
        raise InvalidValueError(
            field=field, value=value, reason=f"{type(value).__name__} is not a number"
        )
    if not result.is_finite():
        raise InvalidValueError(
            field=field, value=value, reason="NaN and infinities are not accepted"
        )
    if result:
        magnitude = result.adjusted()  # the power of ten of the leading digit
        if magnitude >= MAX_INTEGER_DIGITS:
            raise InvalidValueError(
                field=field,
                value=value,
                reason=f"more than {MAX_INTEGER_DIGITS} digits before the decimal point",
            )
        if magnitude < MIN_EXPONENT:
            raise InvalidValueError(
                field=field, value=value, reason=f"smaller than 1E{MIN_EXPONENT}"
            )
    return result


def non_negative(_instance: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    """attrs validator: the Decimal must be >= 0."""
    if value < 0:
        raise InvalidValueError(field=attribute.name, value=value, reason="must not be negative")


def percent(_instance: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    """attrs validator: a percentage between 0 and 100 (scrap %, ...)."""
    if not ZERO <= value <= HUNDRED:
        raise InvalidValueError(
            field=attribute.name, value=value, reason="must be between 0 and 100"
        )


if TYPE_CHECKING:
    # mypy's attrs plugin understands converters that are functions only; this
    # signature is what callers see, so floats are refused where a model is built.
    def as_decimal(value: NumberLike) -> Decimal:
        """attrs converter for every Decimal field: :func:`to_decimal`."""
else:

    class _DecimalConverter(attrs.Converter):
        """:func:`to_decimal` as an attrs converter that names the field it converts."""

        def __call__(self, value, _instance=None, field=None):
            # attrs.converters.optional calls (value, instance, field); code calls (value)
            return to_decimal(value, "number" if field is None else field.name)

    def _field_decimal(value, field):
        # every Decimal field of every record built or evolved comes here: an in-range
        # Decimal (nearly all of them, copied from a validated record) is taken at once
        if (
            type(value) is Decimal
            and value.is_finite()
            and (not value or MIN_EXPONENT <= value.adjusted() < MAX_INTEGER_DIGITS)
        ):
            return value
        return to_decimal(value, field.name)

    as_decimal = _DecimalConverter(_field_decimal, takes_field=True)


def tuple_of(cls: type) -> Callable[[object, attrs.Attribute[Any], Any], None]:
    """attrs validator: a tuple whose members are all ``cls`` (frozen records hold tuples).

    Anything else is refused with an :class:`~prodcore.errors.InvalidValueError` naming
    the field and what to pass instead (a list is not converted: records are frozen, and
    a copy made silently would hide that the caller's list is not kept).

    >>> @attrs.frozen
    ... class Batch:
    ...     lines: tuple[str, ...] = attrs.field(validator=tuple_of(str))
    >>> Batch(["a"])
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for lines: ['a'] (a list; pass a tuple of str, e.g. tuple(lines)).
    >>> Batch(("a", 1))
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for lines: 1 (an int in a tuple of str).
    """

    def check(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, tuple):
            kind = type(value).__name__
            fix = f", e.g. tuple({attribute.name})" if isinstance(value, list | set) else ""
            raise InvalidValueError(
                field=attribute.name,
                value=value,
                reason=f"{_article(kind)} {kind}; pass a tuple of {cls.__name__}{fix}",
            )
        for member in value:
            if not isinstance(member, cls):
                kind = type(member).__name__
                raise InvalidValueError(
                    field=attribute.name,
                    value=member,
                    reason=f"{_article(kind)} {kind} in a tuple of {cls.__name__}",
                )

    return check


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def check_member(value: object, enum_cls: type[_E], field: str) -> _E:
    """``value`` if it is a member of ``enum_cls``, else an
    :class:`~prodcore.errors.InvalidValueError` naming ``field`` and what to pass.

    Only the member itself is accepted: its value string (``"OUTPUT"``) is refused, not
    converted, so code that compares members with ``is`` never meets a bare string; a
    caller holding the string converts it explicitly, ``ValueSource("OUTPUT")``. An int,
    a bool or an unknown string is refused the same way, naming the allowed values.
    (Serialized commands are converted by :mod:`prodcore.serialization`.)

    >>> check_member(RoundingMode.DOWN, RoundingMode, "mode")
    <RoundingMode.DOWN: 'ROUND_DOWN'>
    >>> check_member("ROUND_DOWN", RoundingMode, "mode")
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for mode: 'ROUND_DOWN' (a str; pass a RoundingMode: RoundingMode('ROUND_DOWN') or RoundingMode.DOWN).
    >>> check_member(1, RoundingMode, "mode")
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for mode: 1 (an int; pass a RoundingMode: one of RoundingMode.HALF_UP, ...).
    """
    if isinstance(value, enum_cls):
        return value
    name = enum_cls.__name__
    kind = type(value).__name__
    hint = "one of " + ", ".join(f"{name}.{m.name}" for m in enum_cls)
    if isinstance(value, str):
        member = next((m for m in enum_cls if value in (m.value, m.name)), None)
        if member is not None:
            hint = f"{name}({member.value!r}) or {name}.{member.name}"
    raise InvalidValueError(
        field=field,
        value=value,
        reason=f"{_article(kind)} {kind}; pass {_article(name)} {name}: {hint}",
    )


def member_of(
    enum_cls: type[enum.Enum],
) -> Callable[[object, attrs.Attribute[Any], Any], None]:
    """attrs validator: :func:`check_member` (wrap it in ``attrs.validators.optional``
    for a field that may be None).

    >>> @attrs.frozen
    ... class Step:
    ...     mode: RoundingMode = attrs.field(validator=member_of(RoundingMode))
    >>> Step("ROUND_DOWN")
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for mode: 'ROUND_DOWN' (a str; pass a RoundingMode: RoundingMode('ROUND_DOWN') or RoundingMode.DOWN).
    """

    def check(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        check_member(value, enum_cls, attribute.name)

    return check


class RoundingMode(enum.StrEnum):
    """How a value is brought to its precision (names match :mod:`decimal`)."""

    HALF_UP = ROUND_HALF_UP
    HALF_EVEN = ROUND_HALF_EVEN
    UP = ROUND_UP
    DOWN = ROUND_DOWN
    CEILING = ROUND_CEILING
    FLOOR = ROUND_FLOOR


@attrs.frozen
class Rounding:
    """A precision (``Decimal('0.01')``, ``Decimal('1')``...) and a mode.

    >>> Rounding(Decimal("0.5"), RoundingMode.UP).apply(Decimal("1.2"))
    Decimal('1.5')
    """

    precision: Decimal = attrs.field(converter=as_decimal)
    mode: RoundingMode = attrs.field(
        default=RoundingMode.HALF_UP, validator=member_of(RoundingMode)
    )
    #: how :meth:`apply` rounds: the precision to quantize to when it is a power of ten
    #: (None: divide, round to a whole number of steps, multiply), and the mode's
    #: :mod:`decimal` name. Worked out once, when the record is built (a shared rounding,
    #: :func:`shared_rounding`, rounds thousands of values), as a field: a cached
    #: property would give the class a ``__getattr__`` that every attribute read of a
    #: rounding then passes through
    _plan: tuple[Decimal | None, str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.precision <= 0:
            raise InvalidValueError(
                field="precision", value=self.precision, reason="must be positive"
            )
        if self.precision.adjusted() < -MAX_DECIMAL_PLACES:
            raise InvalidValueError(
                field="precision",
                value=self.precision,
                reason=f"finer than 1E-{MAX_DECIMAL_PLACES}",
            )
        power_of_ten = self.precision.as_tuple().digits == (1,)
        plan = (self.precision if power_of_ten else None), self.mode.value
        object.__setattr__(self, "_plan", plan)

    def apply(self, value: Decimal) -> Decimal:
        """Round ``value`` to a multiple of the precision (BC's ``ROUND(x, precision)``).

        A value too large to round in :data:`ARITHMETIC` (beyond any product of in-range
        numbers) is refused:

        >>> Rounding(Decimal("0.01")).apply(Decimal("1E+70"))
        Traceback (most recent call last):
        ...
        prodcore.errors.InvalidValueError: Invalid value for value: Decimal('1E+70') (too large to round to 0.01).
        """
        quantum, mode = self._plan
        try:
            # (rounding and context given by position: keywords cost the C method a
            # parse of its keyword arguments, most of a quantize's time)
            if quantum is not None:
                return value.quantize(quantum, mode, ARITHMETIC)
            steps = ARITHMETIC.divide(value, self.precision)
            return ARITHMETIC.multiply(steps.quantize(ONE, mode, ARITHMETIC), self.precision)
        except InvalidOperation:
            raise InvalidValueError(
                field="value", value=value, reason=f"too large to round to {self.precision}"
            ) from None


def shared_rounding(precision: Decimal, mode: RoundingMode = RoundingMode.HALF_UP) -> Rounding:
    """``Rounding(precision, mode)``, one shared record per precision and mode: master data
    derive a rounding at every use (an item's quantity rounding, a need's two steps), and
    a record is frozen, so the same one serves every caller. ``0.010`` keeps its own
    record (its results carry three places, ``0.01``'s two); what :class:`Rounding` refuses
    is refused the same way.

    >>> shared_rounding(Decimal("0.01")) is shared_rounding(Decimal("0.01"))
    True
    >>> shared_rounding(Decimal("0.010")).apply(Decimal("1.2345"))
    Decimal('1.230')
    >>> shared_rounding(Decimal(0))
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for precision: Decimal('0') (must be positive).
    """
    if (
        type(precision) is not Decimal
        or not precision.is_finite()
        or type(mode) is not RoundingMode
    ):
        return Rounding(precision, mode)  # refused there (or converted), not shared
    return _rounding(precision, precision.as_tuple().exponent, mode)


@functools.lru_cache(maxsize=256)
def _rounding(precision: Decimal, exponent: object, mode: RoundingMode) -> Rounding:
    # the exponent is part of the key: Decimal("0.01") == Decimal("0.010")
    return Rounding(precision, mode)


class _Amount:
    """Arithmetic shared by :class:`Quantity` and :class:`Money`: within one unit only."""

    __slots__ = ()
    amount: Decimal

    @property
    def unit(self) -> str:
        raise NotImplementedError

    def _same_unit(self, other: _Amount) -> None:
        if self.unit != other.unit:
            raise UnitMismatchError(left=self, right=other)

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.amount)!r}, {self.unit!r})"

    def __add__(self, other: Self) -> Self:
        self._same_unit(other)
        return revise(self, amount=ARITHMETIC.add(self.amount, other.amount))

    def __sub__(self, other: Self) -> Self:
        self._same_unit(other)
        return revise(self, amount=ARITHMETIC.subtract(self.amount, other.amount))

    def __neg__(self) -> Self:
        return revise(self, amount=-self.amount)

    def __mul__(self, factor: Decimal | int) -> Self:
        product = ARITHMETIC.multiply(self.amount, to_decimal(factor, "factor"))
        return revise(self, amount=product)

    def __lt__(self, other: Self) -> bool:
        self._same_unit(other)
        return self.amount < other.amount

    def __le__(self, other: Self) -> bool:
        self._same_unit(other)
        return self.amount <= other.amount

    def rounded(self, rounding: Rounding) -> Self:
        return revise(self, amount=rounding.apply(self.amount))

    def is_zero(self) -> bool:
        return self.amount == 0


@attrs.frozen(repr=False, order=False, str=False)
class Quantity(_Amount):
    """An amount of something in a unit of measure (``'PCS'``, ``'KG'``, ``'MIN'``...)."""

    amount: Decimal = attrs.field(converter=as_decimal)
    unit: str = attrs.field(validator=attrs.validators.min_len(1))

    @classmethod
    def zero(cls, unit: str) -> Self:
        return cls(ZERO, unit)


@attrs.frozen(repr=False, order=False, str=False)
class Money(_Amount):
    """An amount in a currency. Rounded only when :meth:`rounded` is called."""

    amount: Decimal = attrs.field(converter=as_decimal)
    currency: str = attrs.field(validator=attrs.validators.min_len(1))

    @property
    def unit(self) -> str:
        return self.currency

    @classmethod
    def zero(cls, currency: str) -> Self:
        return cls(ZERO, currency)


class TimeUnit(enum.StrEnum):
    """Time units of routing times and work centre capacity (a day is 24 hours, as in BC)."""

    SECOND = "SEC"
    MINUTE = "MIN"
    HOUR = "HOUR"
    DAY = "DAY"

    @property
    def minutes(self) -> Decimal:
        """How many minutes one of this unit is."""
        return _MINUTES[self]


_MINUTES: Final = {
    TimeUnit.SECOND: Decimal(1) / Decimal(60),
    TimeUnit.MINUTE: ONE,
    TimeUnit.HOUR: Decimal(60),
    TimeUnit.DAY: Decimal(1440),
}


@attrs.frozen(repr=False, order=False)
class Duration:
    """An amount of time in a :class:`TimeUnit`.

    >>> Duration("1.5", TimeUnit.HOUR).to(TimeUnit.MINUTE)
    Duration('90.0', 'MIN')
    """

    amount: Decimal = attrs.field(converter=as_decimal)
    unit: TimeUnit = attrs.field(default=TimeUnit.MINUTE, validator=member_of(TimeUnit))

    @classmethod
    def zero(cls, unit: TimeUnit = TimeUnit.MINUTE) -> Self:
        return cls(ZERO, unit)

    def __repr__(self) -> str:
        return f"Duration({str(self.amount)!r}, {self.unit.value!r})"

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value}"

    def to(self, unit: TimeUnit) -> Duration:
        """The same time expressed in ``unit`` (exact for minutes and up)."""
        if unit is self.unit:
            return self
        return Duration(self.amount * self.unit.minutes / unit.minutes, unit)

    def in_units(self, unit: TimeUnit) -> Decimal:
        """The amount of ``unit`` this duration is."""
        return self.to(unit).amount

    def __add__(self, other: Duration) -> Duration:
        return Duration(self.amount + other.in_units(self.unit), self.unit)

    def __mul__(self, factor: Decimal | int) -> Duration:
        return Duration(self.amount * to_decimal(factor, "factor"), self.unit)

    def is_zero(self) -> bool:
        return self.amount == 0
