package goro;

/**
 * A runtime misuse with a Go-like message ("sync: negative WaitGroup counter"): Main prints it as
 * {"@error": message} and the Python side raises suite.backend.RuntimeMisuse with it. Unchecked,
 * so it leaves lambdas and Runnables as it is.
 */
public final class Misuse extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Misuse(String goLikeMessage) {
        super(goLikeMessage);
    }
}
