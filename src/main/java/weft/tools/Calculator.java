package weft.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.providers.ToolSpec;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Exact arithmetic for a model, which is bad at it: {@code + - * / % ^}, unary minus and
 * parentheses over decimal numbers, evaluated with {@link BigDecimal}, so {@code 0.1 + 0.2}
 * is {@code 0.3} and {@code 2^1000} keeps every digit.
 *
 * <p>The grammar, loosest first:
 * <pre>
 *   sum     = product (("+" | "-") product)*          left-associative
 *   product = unary (("*" | "/" | "%") unary)*        left-associative
 *   unary   = ("-" | "+") unary | power
 *   power   = primary ("^" unary)?                    right-associative
 *   primary = number | "(" sum ")"
 * </pre>
 * {@code ^} is right-associative and binds tighter than unary minus, as in mathematics:
 * {@code 2^3^2} is {@code 2^9 = 512} and {@code -2^2} is {@code -4}. {@code %} is the
 * remainder of truncating division, so it takes the dividend's sign ({@code -7 % 3 = -1}).
 *
 * <p>Sums, products, remainders and powers are exact. A quotient is exact when it has a
 * finite decimal expansion; otherwise it is rounded half-even to 34 significant digits
 * ({@link MathContext#DECIMAL128}) after every digit of its integer part: {@code 1/3} has 34
 * threes after the point, {@code 10^40/3} forty threes and then 34 more.
 *
 * <p>Positions in messages count characters from 1, as a person reading the expression would.
 */
public final class Calculator implements Tool {
    static final int MAX_LENGTH = 1000;
    static final int MAX_EXPONENT = 10_000;
    /** Digits a value may have, written out; a model gains nothing from a longer number and it costs tokens to read. */
    static final int MAX_DIGITS = 20_000;

    private static final BigInteger FIVE = BigInteger.valueOf(5);
    private static final double LOG2_OF_FIVE = Math.log(5) / Math.log(2);
    private static final ToolSpec SPEC = buildSpec();

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    @Override
    public JsonNode call(JsonNode arguments, ToolContext context) throws ToolFailure {
        String expression = arguments.path("expression").asText("");
        BigDecimal value = evaluate(expression);
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("expression", expression);
        result.put("result", value.stripTrailingZeros().toPlainString());
        return result;
    }

    /** The expression's value, not yet stripped of trailing zeros. */
    static BigDecimal evaluate(String expression) throws ToolFailure {
        if (expression.length() > MAX_LENGTH) {
            throw new ToolFailure("expression_too_long", "the expression has " + expression.length()
                    + " characters and the calculator takes at most " + MAX_LENGTH + "; split the work into smaller expressions");
        }
        if (expression.isBlank()) {
            throw new ToolFailure("invalid_expression", "the expression is empty; send one such as 2 * (3 + 4)");
        }
        return new Parser(expression).expression();
    }

    private static ToolSpec buildSpec() {
        ObjectNode parameters = JsonNodeFactory.instance.objectNode().put("type", "object");
        parameters.putObject("properties").putObject("expression")
                .put("type", "string")
                .put("description", "An arithmetic expression over decimal numbers, such as (1.5 + 2) * 3^2 / 7. "
                        + "Operators: + - * / % (remainder) ^ (power, whole exponent 0 to " + MAX_EXPONENT + "), "
                        + "unary minus, parentheses. No functions, variables or exponent notation.");
        parameters.putArray("required").add("expression");
        return new ToolSpec("calculator",
                "Evaluates an arithmetic expression exactly (decimal, arbitrary size) and returns the result as a "
                        + "plain decimal string. Use it instead of doing arithmetic yourself.",
                parameters);
    }

    /** One pass over the text; each method reads what its grammar rule names and leaves {@code at} after it. */
    private static final class Parser {
        private final String text;
        private int at;

        Parser(String text) {
            this.text = text;
        }

        BigDecimal expression() throws ToolFailure {
            BigDecimal value = sum();
            skipSpace();
            if (at < text.length()) {
                if (text.charAt(at) == ')') throw unexpected("there is no '(' for it to close");
                throw unexpected("expected an operator (+ - * / % ^) or the end of the expression");
            }
            return value;
        }

        private BigDecimal sum() throws ToolFailure {
            BigDecimal value = product();
            while (true) {
                skipSpace();
                char op = peek();
                if (op != '+' && op != '-') return value;
                int opAt = at++;
                BigDecimal right = product();
                value = bounded(op == '+' ? value.add(right) : value.subtract(right), opAt);
            }
        }

        private BigDecimal product() throws ToolFailure {
            BigDecimal value = unary();
            while (true) {
                skipSpace();
                char op = peek();
                if (op != '*' && op != '/' && op != '%') return value;
                int opAt = at++;
                BigDecimal right = unary();
                value = switch (op) {
                    case '*' -> bounded(value.multiply(right), opAt);
                    case '/' -> divide(value, right, opAt);
                    default -> remainder(value, right, opAt);
                };
            }
        }

        private BigDecimal unary() throws ToolFailure {
            skipSpace();
            char c = peek();
            if (c == '-') {
                at++;
                return unary().negate();
            }
            if (c == '+') {
                at++;
                return unary();
            }
            return power();
        }

        private BigDecimal power() throws ToolFailure {
            BigDecimal base = primary();
            skipSpace();
            if (peek() != '^') return base;
            int caretAt = at++;
            skipSpace();
            int exponentAt = at;
            // unary, not power: the exponent may itself be a power (right-associative) or carry a sign
            return pow(base, unary(), caretAt, exponentAt);
        }

        private BigDecimal primary() throws ToolFailure {
            skipSpace();
            if (at >= text.length()) throw unexpected("expected a number or '('");
            char c = text.charAt(at);
            if (c == '(') {
                int open = at++;
                BigDecimal value = sum();
                skipSpace();
                if (peek() != ')') throw unexpected("expected an operator or ')' to close the '(' at position " + (open + 1));
                at++;
                return value;
            }
            if (isDigit(c) || c == '.') return number();
            throw unexpected("expected a number, '(' or '-'");
        }

        private BigDecimal number() throws ToolFailure {
            int start = at;
            boolean digits = false;
            while (at < text.length() && isDigit(text.charAt(at))) { at++; digits = true; }
            if (peek() == '.') {
                at++;
                while (at < text.length() && isDigit(text.charAt(at))) { at++; digits = true; }
            }
            if (!digits) {
                at = start;
                throw unexpected("expected a number with at least one digit");
            }
            return new BigDecimal(text.substring(start, at));
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private void skipSpace() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++;
        }

        /** The next character, or NUL at the end (which no rule accepts). */
        private char peek() {
            return at < text.length() ? text.charAt(at) : '\0';
        }

        private ToolFailure unexpected(String expected) {
            if (at >= text.length()) {
                return new ToolFailure("invalid_expression", "unexpected end of the expression at position "
                        + (text.length() + 1) + ": " + expected);
            }
            int c = text.codePointAt(at);
            return new ToolFailure("invalid_expression", "unexpected '" + Character.toString(c) + "' at position "
                    + (at + 1) + ": " + expected + hint(c));
        }

        /** What a model most likely meant by a character the grammar does not have. */
        private String hint(int c) {
            boolean afterStar = at > 0 && text.charAt(at - 1) == '*';
            return switch (c) {
                case '*' -> afterStar ? " (write powers with ^, not **)" : "";
                case '×', '·', '∙' -> " (write multiplication with *)";
                case '÷', ':' -> " (write division with /)";
                case '−', '–', '—' -> " (write minus with the ASCII -)";
                case ',' -> " (write numbers without thousands separators and with . for decimals)";
                case '=' -> " (leave out '=')";
                case '[', '{' -> " (group with round parentheses)";
                default -> Character.isLetter(c)
                        ? " (the calculator has no functions, variables or exponent notation: only numbers, + - * / % ^ and parentheses)"
                        : "";
            };
        }

        private static BigDecimal divide(BigDecimal dividend, BigDecimal divisor, int opAt) throws ToolFailure {
            if (divisor.signum() == 0) {
                throw new ToolFailure("division_by_zero", "division by zero: the divisor of the '/' at position "
                        + (opAt + 1) + " is 0");
            }
            // on integers at one scale the quotient is the fraction a/b; BigDecimal's own exact
            // divide finds out it does not terminate only after dividing to thousands of digits
            int scale = Math.max(dividend.scale(), divisor.scale());
            BigInteger a = dividend.setScale(scale).unscaledValue();
            BigInteger b = divisor.setScale(scale).unscaledValue();
            BigInteger gcd = a.gcd(b);
            BigInteger numerator = a.divide(gcd);
            BigInteger denominator = b.divide(gcd);
            if (denominator.signum() < 0) {
                numerator = numerator.negate();
                denominator = denominator.negate();
            }
            // a fraction in lowest terms has a finite decimal expansion when its denominator is 2^twos * 5^fives
            int twos = denominator.getLowestSetBit();
            int fives = powerOfFive(denominator.shiftRight(twos));
            if (fives >= 0) {
                int places = Math.max(twos, fives);
                BigInteger unscaled = numerator.shiftLeft(places - twos).multiply(FIVE.pow(places - fives));
                return bounded(new BigDecimal(unscaled, places), opAt);
            }
            // DECIMAL128's 34 digits alone would round 10^40 / 3 to its first 34 digits and
            // zeros; keep every integer digit, and 34 after them
            BigInteger integer = numerator.divide(denominator).abs();
            long integerDigits = integer.signum() == 0 ? 0 : integer.toString().length();
            long precision = MathContext.DECIMAL128.getPrecision() + integerDigits;
            if (precision > MAX_DIGITS) throw tooLarge(opAt);
            return dividend.divide(divisor, new MathContext((int) precision, RoundingMode.HALF_EVEN));
        }

        /** k when {@code n} is 5^k, else -1. */
        private static int powerOfFive(BigInteger n) {
            if (n.equals(BigInteger.ONE)) return 0;
            // 5^k has floor(k * log2(5)) + 1 bits, so the bit length pins k down to a neighbour or two
            int k = (int) Math.round((n.bitLength() - 1) / LOG2_OF_FIVE);
            for (int candidate = Math.max(1, k - 1); candidate <= k + 1; candidate++) {
                if (FIVE.pow(candidate).equals(n)) return candidate;
            }
            return -1;
        }

        private static BigDecimal remainder(BigDecimal dividend, BigDecimal divisor, int opAt) throws ToolFailure {
            if (divisor.signum() == 0) {
                throw new ToolFailure("division_by_zero", "division by zero: the divisor of the '%' at position "
                        + (opAt + 1) + " is 0");
            }
            // integers at one scale: BigInteger's remainder is exact, takes the dividend's sign, and is
            // far cheaper than BigDecimal's, which divides to a precision first
            int scale = Math.max(dividend.scale(), divisor.scale());
            BigInteger r = dividend.setScale(scale).unscaledValue().remainder(divisor.setScale(scale).unscaledValue());
            return bounded(new BigDecimal(r, scale), opAt);
        }

        private static BigDecimal pow(BigDecimal base, BigDecimal exponent, int caretAt, int exponentAt) throws ToolFailure {
            BigDecimal whole = exponent.stripTrailingZeros();
            if (whole.signum() < 0 || whole.scale() > 0) {
                throw new ToolFailure("invalid_expression", "the exponent at position " + (exponentAt + 1) + " is "
                        + whole.toPlainString() + "; ^ takes a whole number from 0 to " + MAX_EXPONENT);
            }
            if (whole.compareTo(BigDecimal.valueOf(MAX_EXPONENT)) > 0) {
                throw new ToolFailure("invalid_expression", "the exponent at position " + (exponentAt + 1) + " is "
                        + whole.toPlainString() + ", more than the largest the calculator takes, " + MAX_EXPONENT);
            }
            int n = whole.intValueExact();
            BigDecimal b = base.stripTrailingZeros();
            // b^n has at most digits(b) * n digits; refusing a clearly huge one before computing it is
            // what keeps 9999^10000 from costing seconds, and the check after catches the rest exactly
            boolean trivial = b.signum() == 0 || b.abs().compareTo(BigDecimal.ONE) == 0;
            if (!trivial && digits(b) * n > 2L * MAX_DIGITS) throw tooLarge(caretAt);
            return bounded(b.pow(n), caretAt);
        }

        private static BigDecimal bounded(BigDecimal value, int opAt) throws ToolFailure {
            if (digits(value) > MAX_DIGITS && digits(value.stripTrailingZeros()) > MAX_DIGITS) throw tooLarge(opAt);
            return value;
        }

        /** How many digits the value has written out in full, without exponent. */
        private static long digits(BigDecimal value) {
            long precision = value.precision();
            long scale = value.scale();
            if (scale <= 0) return precision - scale;
            return Math.max(precision, scale + 1);
        }

        private static ToolFailure tooLarge(int opAt) {
            return new ToolFailure("result_too_large", "the value computed at position " + (opAt + 1)
                    + " would have more than " + MAX_DIGITS + " digits; the calculator gives at most that many");
        }
    }
}
