#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
void openblas_set_num_threads(int);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
// the gradient's 8 products (row-major): m,n,k, transA, transB
int P[8][5]={{1000,256,784,0,0},{1000,256,256,0,0},{1000,10,256,0,0},{256,10,1000,1,0},{1000,256,10,0,1},{256,256,1000,1,0},{1000,256,256,0,1},{784,256,1000,1,0}};
double *A[8],*B[8],*C[8];
static void prod(int i){int m=P[i][0],n=P[i][1],k=P[i][2],ta=P[i][3],tb=P[i][4];
 cblas_dgemm(CblasRowMajor,ta?CblasTrans:CblasNoTrans,tb?CblasTrans:CblasNoTrans,m,n,k,1,A[i],ta?m:k,B[i],tb?k:n,0,C[i],n);}
int main(int argc,char**argv){
 openblas_set_num_threads(2);
 for(int i=0;i<8;i++){long m=P[i][0],n=P[i][1],k=P[i][2];A[i]=malloc(8*m*k);B[i]=malloc(8*k*n);C[i]=malloc(8*m*n);for(long j=0;j<m*k;j++)A[i][j]=rand()/(double)RAND_MAX;for(long j=0;j<k*n;j++)B[i][j]=rand()/(double)RAND_MAX;}
 int pauses[]={0,10,40,160,640};
 for(int rep=0;rep<3;rep++) for(int pi=0;pi<5;pi++){double pause=pauses[pi]*1e-6; double ing=0; int N=40;
  for(int it=0;it<N+2;it++){ for(int i=0;i<8;i++){ if(i==2||i==3||i==4) openblas_set_num_threads(1); double t0=now(); prod(i); double d=now()-t0; if(i==2||i==3||i==4) openblas_set_num_threads(2); if(it>=2) ing+=d; double t1=now(); while(now()-t1<pause){} } }
  printf("pause %4d us: products %.2f ms\n",pauses[pi],ing/N*1e3);}
}
