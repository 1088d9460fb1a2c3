package weft.runs;

/**
 * The places this instance holds under users' limits (running runs, open streams): renewed
 * within their lease while held, so a dead instance's lapse, and all given back at shutdown.
 */
public record HeldPlaces(Places runs, Places streams) {

    public void renew() {
        try {
            runs.renew();
        } finally {
            streams.renew();
        }
    }

    public void releaseAll() {
        runs.releaseAll();
        streams.releaseAll();
    }
}
