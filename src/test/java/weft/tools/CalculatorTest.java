package weft.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigInteger;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalculatorTest {
    private static final ToolContext CONTEXT = new ToolContext("agent", "call-1", List.of(), _ -> {});
    private final Calculator calculator = new Calculator();

    private String eval(String expression) throws Exception {
        JsonNode result = calculator.call(JsonNodeFactory.instance.objectNode().put("expression", expression), CONTEXT);
        assertEquals(expression, result.get("expression").asText());
        return result.get("result").asText();
    }

    private ToolFailure failure(String expression) {
        return assertThrows(ToolFailure.class,
                () -> calculator.call(JsonNodeFactory.instance.objectNode().put("expression", expression), CONTEXT));
    }

    @Test
    void zeroPointOnePlusZeroPointTwoIsExactlyZeroPointThree() throws Exception {
        assertEquals("0.3", eval("0.1 + 0.2"));
    }

    @Test
    void theResultEchoesTheExpressionAndIsAString() throws Exception {
        JsonNode result = calculator.call(JsonNodeFactory.instance.objectNode().put("expression", "6*7"), CONTEXT);
        assertEquals("6*7", result.get("expression").asText());
        assertTrue(result.get("result").isTextual());
        assertEquals("42", result.get("result").asText());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '=', value = {
            "2 + 3 * 4 = 14",
            "2 * 3 + 4 = 10",
            "10 - 6 / 2 = 7",
            "2 + 10 % 4 = 4",
            "2 * 3 ^ 2 = 18",
            "(2 + 3) * 4 = 20",
    })
    void multiplicationBindsTighterThanAdditionAndPowersTighterStill(String expression, String expected) throws Exception {
        assertEquals(expected, eval(expression));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '=', value = {
            "7 - 2 - 1 = 4",
            "100 / 10 / 5 = 2",
            "2 / 4 * 8 = 4",
            "100 % 7 % 3 = 2",
    })
    void subtractionDivisionAndRemainderAreLeftAssociative(String expression, String expected) throws Exception {
        assertEquals(expected, eval(expression));
    }

    @Test
    void powersAreRightAssociative() throws Exception {
        assertEquals("512", eval("2^3^2"));
        assertEquals("64", eval("(2^3)^2"));
    }

    @Test
    void aPowerBindsTighterThanUnaryMinus() throws Exception {
        assertEquals("-4", eval("-2^2"));
        assertEquals("4", eval("(-2)^2"));
        assertEquals("-8", eval("(-2)^3"));
        assertEquals("4", eval("2^(6/3)"), "the exponent may be any expression whose value is whole");
    }

    @Test
    void unaryMinusNestsAndFollowsOperators() throws Exception {
        assertEquals("3", eval("--3"));
        assertEquals("-6", eval("2*-3"));
        assertEquals("5", eval("2 - -3"));
        assertEquals("-5", eval("-(2 + 3)"));
        assertEquals("2", eval("+2"));
    }

    @Test
    void theRemainderTakesTheSignOfTheDividend() throws Exception {
        assertEquals("1", eval("7 % 3"));
        assertEquals("-1", eval("-7 % 3"));
        assertEquals("1", eval("7 % -3"));
        assertEquals("1.5", eval("5.5 % 2"));
    }

    @Test
    void deepParenthesesAreEvaluated() throws Exception {
        assertEquals("21", eval("((1 + 2) * ((3) + (4)))"));
        String deep = "(".repeat(499) + "1" + ")".repeat(499);
        assertEquals(999, deep.length());
        assertEquals("1", eval(deep));
    }

    @Test
    void bigNumbersKeepEveryDigit() throws Exception {
        assertEquals(BigInteger.TWO.pow(1000).toString(), eval("2^1000"));
        assertEquals(new BigInteger("123456789012345678901234567890").multiply(new BigInteger("987654321098765432109876543210")).toString(),
                eval("123456789012345678901234567890 * 987654321098765432109876543210"));
        assertEquals("1" + "0".repeat(25) + "1", eval("10^26 + 1"));
        assertEquals(3011, eval("2^10000").length());
    }

    @Test
    void aDivisionThatTerminatesIsExact() throws Exception {
        assertEquals("0.125", eval("1/8"));
        assertEquals("25" + "0".repeat(18), eval("10^20 / 4"));
        assertEquals("0." + "0".repeat(29) + "1", eval("1 / 10^30"));
        assertEquals("3", eval("0.3 / 0.1"));
        assertEquals("-0.04", eval("1 / -25"));
        assertEquals(java.math.BigDecimal.ONE.divide(java.math.BigDecimal.TWO.pow(100)).toPlainString(), eval("1 / 2^100"));
    }

    @Test
    void aDivisionThatDoesNotTerminateKeepsThirtyFourDigitsAfterItsIntegerPart() throws Exception {
        assertEquals("0." + "3".repeat(34), eval("1/3"));
        assertEquals("0." + "6".repeat(33) + "7", eval("2/3"), "rounded half-even, not truncated");
        assertEquals("3".repeat(41) + "." + "3".repeat(34), eval("10^41 / 3"), "no integer digit is rounded away");
        assertEquals("3." + "3".repeat(34), eval("1 / 0.3"));
        assertEquals("-0." + "142857".repeat(5) + "1429", eval("-1 / 7"));
    }

    @Test
    void resultsHaveNoExponentAndNoTrailingZeros() throws Exception {
        assertEquals("3", eval("1.50 * 2"));
        assertEquals("1" + "0".repeat(25), eval("10^25"));
        assertEquals("0.00001", eval("0.1^5"));
        assertEquals("0", eval("0 * 5.5"));
        assertEquals("0", eval("1.5 - 1.50"));
        assertEquals("1", eval("0^0"));
        assertEquals("0.5", eval(".5"));
    }

    @Test
    void whitespaceIsIgnored() throws Exception {
        assertEquals("7", eval(" \t1\n+ 2 *\r\n3 "));
    }

    @Test
    void anUnmatchedClosingParenthesisIsReportedAtItsPosition() {
        ToolFailure f = failure("(1 + 2))");
        assertEquals("invalid_expression", f.code());
        assertEquals("unexpected ')' at position 8: there is no '(' for it to close", f.getMessage());
        assertTrue(failure("1 + 2 )").getMessage().startsWith("unexpected ')' at position 7"));
    }

    @Test
    void aMissingOperandIsReportedAtTheEnd() {
        ToolFailure f = failure("1 +");
        assertEquals("invalid_expression", f.code());
        assertEquals("unexpected end of the expression at position 4: expected a number or '('", f.getMessage());
        assertTrue(failure("2 * ()").getMessage().startsWith("unexpected ')' at position 6: expected a number"));
    }

    @Test
    void anUnclosedParenthesisNamesWhereItOpened() {
        assertEquals("unexpected end of the expression at position 11: expected an operator or ')' to close the '(' at position 5",
                failure("2 * (3 + 4").getMessage());
    }

    @Test
    void twoNumbersWithoutAnOperatorAreRejectedAtTheSecond() {
        assertTrue(failure("1 2").getMessage().startsWith("unexpected '2' at position 3: expected an operator"));
        assertTrue(failure("1.2.3").getMessage().startsWith("unexpected '.' at position 4"));
    }

    @Test
    void charactersTheGrammarLacksAreReportedWithWhatToWriteInstead() {
        assertTrue(failure("2 × 3").getMessage().contains("at position 3"));
        assertTrue(failure("2 × 3").getMessage().contains("with *"));
        assertTrue(failure("2 ** 3").getMessage().contains("powers with ^"));
        assertTrue(failure("1,000 + 1").getMessage().contains("thousands separators"));
        assertTrue(failure("sqrt(2)").getMessage().startsWith("unexpected 's' at position 1"));
        assertTrue(failure("1e5").getMessage().contains("no functions, variables or exponent notation"));
    }

    @Test
    void divisionByZeroIsAFailureNamingTheOperator() {
        ToolFailure f = failure("1 / (2 - 2)");
        assertEquals("division_by_zero", f.code());
        assertEquals("division by zero: the divisor of the '/' at position 3 is 0", f.getMessage());
        ToolFailure r = failure("5 % 0.0");
        assertEquals("division_by_zero", r.code());
        assertTrue(r.getMessage().contains("'%' at position 3"));
    }

    @Test
    void exponentsMustBeWholeAndNonNegative() {
        ToolFailure negative = failure("2^-1");
        assertEquals("invalid_expression", negative.code());
        assertEquals("the exponent at position 3 is -1; ^ takes a whole number from 0 to 10000", negative.getMessage());
        assertTrue(failure("2 ^ 0.5").getMessage().startsWith("the exponent at position 5 is 0.5"));
    }

    @Test
    void exponentsOverTheCapAreRefused() throws Exception {
        assertEquals("1", eval("1^10000"));
        ToolFailure f = failure("2^10001");
        assertEquals("invalid_expression", f.code());
        assertTrue(f.getMessage().contains("10001") && f.getMessage().contains("10000"), f.getMessage());
    }

    @Test
    void valuesOverTheDigitCapAreRefusedWhetherFromPowersOrProducts() {
        assertEquals("result_too_large", failure("(10^10000)^2").code());
        assertEquals("result_too_large", failure("9999^10000").code());
        // 9^10000 has 9,543 digits: two of them multiplied fit, three do not
        ToolFailure product = failure("9^10000 * 9^10000 * 9^10000");
        assertEquals("result_too_large", product.code());
        assertTrue(product.getMessage().contains("position 19"), product.getMessage());
    }

    @Test
    void expressionsOverAThousandCharactersAreRefused() throws Exception {
        String thousand = "1+".repeat(499) + "10";
        assertEquals(1000, thousand.length());
        assertEquals("509", eval(thousand));
        ToolFailure f = failure(thousand + "0");
        assertEquals("expression_too_long", f.code());
        assertTrue(f.getMessage().contains("1001") && f.getMessage().contains("at most 1000"));
    }

    @Test
    void anEmptyExpressionIsRefused() {
        assertEquals("invalid_expression", failure("   ").code());
    }

    @Test
    void argumentsCheckRejectsAMissingOrNonStringExpressionForTheCalculatorsSchema() throws Exception {
        JsonNode schema = calculator.spec().parameters();
        ToolFailure missing = assertThrows(ToolFailure.class, () -> Arguments.check(Arguments.parse("{}"), schema));
        assertEquals("invalid_arguments", missing.code());
        assertEquals("missing required argument 'expression'", missing.getMessage());
        ToolFailure number = assertThrows(ToolFailure.class, () -> Arguments.check(Arguments.parse("{\"expression\": 5}"), schema));
        assertTrue(number.getMessage().contains("must be a string"));
        Arguments.check(Arguments.parse("{\"expression\": \"1+1\"}"), schema);
    }
}
