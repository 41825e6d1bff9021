package goro;

/** The scenario has no Java counterpart: Main prints {"@na": reason}, Python raises NotApplicable. */
public final class NotApplicable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NotApplicable(String reason) {
        super(reason);
    }
}
