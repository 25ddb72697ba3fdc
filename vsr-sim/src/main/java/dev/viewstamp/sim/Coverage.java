package dev.viewstamp.sim;

/**
 * How often the workload reached each operation and argument shape that matters for the
 * protocol and the service: a test asserts each is reached, and the summary prints them.
 */
public final class Coverage {
    public long gets, puts, appends, deletes, cases;
    public long getMissing, casFailed, casOk, largestValue, deleteAbsent, duplicateRequests, evictions, errors;

    void add(Coverage other) {
        gets += other.gets;
        puts += other.puts;
        appends += other.appends;
        deletes += other.deletes;
        cases += other.cases;
        getMissing += other.getMissing;
        casFailed += other.casFailed;
        casOk += other.casOk;
        largestValue += other.largestValue;
        deleteAbsent += other.deleteAbsent;
        duplicateRequests += other.duplicateRequests;
        evictions += other.evictions;
        errors += other.errors;
    }

    /** True when every shape the acceptance criteria name was reached at least once. */
    public boolean complete() {
        return gets > 0 && puts > 0 && appends > 0 && deletes > 0 && cases > 0 && getMissing > 0 && casFailed > 0
                && casOk > 0 && largestValue > 0 && deleteAbsent > 0 && duplicateRequests > 0;
    }

    @Override
    public String toString() {
        return "get=" + gets + " put=" + puts + " append=" + appends + " delete=" + deletes + " cas=" + cases
                + " get-missing=" + getMissing + " cas-failed=" + casFailed + " cas-ok=" + casOk
                + " largest-value=" + largestValue + " delete-absent=" + deleteAbsent
                + " duplicate-request=" + duplicateRequests + " eviction=" + evictions + " error=" + errors;
    }
}
